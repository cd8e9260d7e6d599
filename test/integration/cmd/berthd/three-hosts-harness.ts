// Simulated hosts for berthd: an "underlay" netns with a bridge, host netns joined to it by veths
// (192.168.77.n/24), the BUILT dist/bin/berthd running in each, and per host a "container" netns
// attached to the host's overlay bridge by the built bridge plugin with the lease file's subnet, bridge
// and MTU. Everything is removed by `destroy()`, which the tests call even when they fail.
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withNetns } from '../../../../lib/netns';
import { ip, ipJson, makeTestNetns, type TestNetns } from '../../../helpers/netns';
import { runPluginInNetns } from '../../../helpers/run-plugin';
import { BerthSandbox } from '../../../helpers/berth';
import type { NodeLeaseFile } from '../../../../lib/overlay/types';

export const DIST = path.resolve(__dirname, '../../../../dist/bin');
export const BERTHD = path.join(DIST, 'berthd');

/** One simulated host. */
export interface Host {
  readonly n: number;
  readonly ns: TestNetns;
  readonly ctr: TestNetns;
  readonly ip: string;
  readonly stateDir: string;
  readonly runDir: string;
  daemon?: ChildProcess;
  /** The container's overlay address, once attached. */
  ctrIP?: string;
}

/** How every host's berthd runs. */
export interface ClusterOptions {
  /** `--lease-ttl` (default 6s). */
  leaseTtl?: string;
  /** `--resync`, the full reconcile period (default 1s). */
  resync?: string;
  /** More flags for `berthd run`. */
  extraArgs?: string[];
}

/** The whole topology. */
export class Cluster {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-3h-'));
  readonly underlay: TestNetns;
  readonly hosts: Host[] = [];
  /** The `--store` value; may be set after hosts exist (an etcd served from a host's netns). */
  store: string;
  readonly #opts: ClusterOptions;

  /** @param store the `--store` value every host's berthd gets */
  constructor(store: string, opts: ClusterOptions = {}) {
    this.store = store;
    this.#opts = opts;
    this.underlay = makeTestNetns('ul');
    try {
      ip(this.underlay.name, 'link', 'add', 'ul0', 'type', 'bridge');
      ip(this.underlay.name, 'link', 'set', 'ul0', 'up');
    } catch (err) {
      void this.destroy();
      throw err;
    }
  }

  /** Adds host n (192.168.77.n) joined to the underlay bridge. */
  addHost(n: number): Host {
    const ns = makeTestNetns(`h${n}`);
    const ctr = makeTestNetns(`c${n}`);
    const h: Host = { n, ns, ctr, ip: `192.168.77.${n}`, stateDir: path.join(this.dir, `h${n}`, 'state'), runDir: path.join(this.dir, `h${n}`, 'run') };
    this.hosts.push(h);
    ip(ns.name, 'link', 'set', 'lo', 'up');
    ip(ns.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `ul-h${n}`, 'netns', this.underlay.name);
    ip(this.underlay.name, 'link', 'set', `ul-h${n}`, 'master', 'ul0', 'up');
    ip(ns.name, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
    ip(ns.name, 'link', 'set', 'eth0', 'up');
    ip(ctr.name, 'link', 'set', 'lo', 'up');
    return h;
  }

  /** Starts berthd in the host's netns (logs to <dir>/hN.log). */
  start(h: Host, networks: string[]): void {
    const log = fs.openSync(path.join(this.dir, `h${h.n}.log`), 'a');
    const args = ['run', '--store', this.store, '--iface', 'eth0', '--state-dir', h.stateDir, '--run-dir', h.runDir,
      '--lease-ttl', this.#opts.leaseTtl ?? '6s', '--resync', this.#opts.resync ?? '1s',
      // berth's stores beside the run dir (berth-overlay.test.ts's sandboxes): the embedded DNS reads them.
      '--berth-root', path.join(path.dirname(h.runDir), 'root'), '--cni-dir', path.join(path.dirname(h.runDir), 'cni'),
      ...networks.flatMap((n) => ['--network', n]), ...(this.#opts.extraArgs ?? [])];
    h.daemon = withNetns(h.ns, () => spawn(BERTHD, args, {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', BERTH_LOG_LEVEL: 'debug' },
      stdio: ['ignore', log, log],
    }));
    fs.closeSync(log);
  }

  /** Runs a berthd subcommand (leave) in the host's netns; resolves with its exit code and output. */
  berthd(h: Host, args: string[]): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = withNetns(h.ns, () => spawn(BERTHD, [...args, '--store', this.store, '--iface', 'eth0', '--state-dir', h.stateDir, '--run-dir', h.runDir], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'],
      }));
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d));
      child.stderr!.on('data', (d: Buffer) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
  }

  /** A JSON request to the host's berthd API (through curl's unix-socket support). */
  api(h: Host, method: string, urlPath: string, body?: object): any {
    const args = ['-s', '--unix-socket', path.join(h.runDir, 'berthd.sock'), '-X', method, `http://berthd${urlPath}`];
    if (body) args.push('-H', 'content-type: application/json', '-d', JSON.stringify(body));
    return JSON.parse(execFileSync('curl', args, { encoding: 'utf8' }));
  }

  /** Kills the host's berthd (SIGKILL by default) and waits for it to exit. */
  async kill(h: Host, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const d = h.daemon;
    if (!d || d.exitCode !== null || d.signalCode !== null) return;
    const exited = new Promise((r) => d.once('exit', r));
    d.kill(signal);
    await exited;
  }

  leaseFile(h: Host, network: string): NodeLeaseFile | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(h.runDir, 'overlay', `${network}.json`), 'utf8')) as NodeLeaseFile;
    } catch {
      return undefined;
    }
  }

  /** Attaches the host's container with the built bridge plugin, configured from the lease file. */
  async attach(h: Host, lease: NodeLeaseFile): Promise<string> {
    const conf = {
      cniVersion: '1.0.0', name: lease.name, type: 'bridge', bridge: lease.bridge, isGateway: true, mtu: lease.mtu,
      ipam: { type: 'host-local', ranges: [[{ subnet: lease.subnet }]], routes: [{ dst: lease.network }], dataDir: path.join(this.dir, `h${h.n}`, 'ipam') },
    };
    const r = await runPluginInNetns(h.ns, path.join(DIST, 'bridge'), { command: 'ADD', cniPath: DIST, netns: `/run/netns/${h.ctr.name}`, containerID: `ctr-h${h.n}` }, conf);
    assert.equal(r.code, 0, `bridge ADD on host ${h.n}: ${r.stdout} ${r.stderr}`);
    h.ctrIP = String(r.json.ips[0].address).split('/')[0];
    return h.ctrIP;
  }

  /** The overlay entries on a host's VXLAN device, as iproute2 reads them. */
  entries(h: Host, dev: string): { neigh: any[]; fdb: any[]; routes: any[] } {
    const neigh = (ipJson(h.ns.name, '-4', 'neigh', 'show', 'dev', dev) as any[]);
    const fdb = JSON.parse(execFileSync('bridge', ['-n', h.ns.name, '-j', 'fdb', 'show', 'dev', dev], { encoding: 'utf8' }) || '[]') as any[];
    const routes = (ipJson(h.ns.name, '-4', 'route', 'show', 'dev', dev) as any[]);
    return { neigh, fdb: fdb.filter((f) => f.mac !== '00:00:00:00:00:00'), routes };
  }

  /** The host's daemon log (for failure messages). */
  log(h: Host): string {
    try {
      return fs.readFileSync(path.join(this.dir, `h${h.n}.log`), 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  }

  /** Kills every daemon, removes every netns and the temp dir. Idempotent. */
  async destroy(): Promise<void> {
    for (const h of this.hosts) await this.kill(h).catch(() => undefined);
    for (const h of this.hosts) {
      h.ctr.remove();
      h.ns.remove();
    }
    this.underlay.remove();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `fn` until it returns a truthy value or `ms` pass; returns the value or throws `what`. */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `ping` from a netns; resolves with packets sent and received. */
export function ping(ns: TestNetns, target: string, args: string[] = ['-c', '1', '-W', '2']): Promise<{ sent: number; received: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('ip', ['netns', 'exec', ns.name, 'ping', '-n', ...args, target], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('close', () => {
      const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(out);
      resolve({ sent: m ? Number(m[1]) : 0, received: m ? Number(m[2]) : 0, out });
    });
  });
}

const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * A berth sandbox on a cluster host: the host's netns, BERTH_RUN = the host's berthd run dir, and
 * BERTH_ROOT / BERTH_CNI_DIR beside it under the host's dir, so the sandbox's clean-up (which unmounts
 * everything under its base, e.g. the $BERTH_RUN/netns bind mount) covers berthd's files too. `tag`
 * keeps each test file's cgroup parents apart.
 */
export function berthSandboxOn(h: Host, tag: string): BerthSandbox {
  const sb = new BerthSandbox();
  sb.host = h.ns;
  sb.base = path.dirname(h.runDir);
  sb.run = h.runDir;
  sb.root = path.join(sb.base, 'root');
  sb.cniDir = path.join(sb.base, 'cni');
  sb.cgroupParent = `berth-${tag}-test-${process.pid}-${h.n}`;
  sb.env = { PATH: SANDBOX_PATH, BERTH_ROOT: sb.root, BERTH_RUN: sb.run, BERTH_CNI_DIR: sb.cniDir, BERTH_CGROUP_PARENT: sb.cgroupParent };
  return sb;
}
