// Simulated hosts for bench/overlay.ts, after test/integration/cmd/berthd/three-hosts-harness.ts: an
// "underlay" netns holding a bridge, host netns joined to it by veths (192.168.78.n/24), berthd (a copy
// of the built one) running in each host, and container netns attached to a host's overlay bridge by
// the built overlay plugin from the host's lease file. Everything lives under one temp dir and netns
// named `bo-<pid>-...`; close() removes it all (and kills every process started here), whatever happened.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNamedNetns, deleteNamedNetns, namedPath, withNetns, type Netns } from '../lib/netns';
import type { NodeLeaseFile } from '../lib/overlay/types';
import { pluginEnv, timedExec } from './exec';

const DIST = path.resolve(__dirname, '../dist/bin');

/** The simulated underlay's /24; hosts are .1, .2, ...; .254 is the underlay bridge's own (etcd's). */
export const UNDERLAY_PREFIX = '192.168.78';

/** One simulated host. */
export interface SimHost {
  readonly n: number;
  readonly ns: Netns;
  readonly nsName: string;
  /** Its underlay address: the VXLAN remote its peers program. */
  readonly ip: string;
  readonly stateDir: string;
  readonly runDir: string;
  daemon?: ChildProcess;
}

/** A container netns on a host, once attached: its overlay address. */
export interface SimContainer {
  readonly ns: Netns;
  readonly nsName: string;
  readonly ip: string;
}

/** The topology; `store` is the `--store` every berthd gets. */
export class OverlayCluster {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-ov-'));
  /** A private copy of dist/bin, so that a rebuild by someone else mid-run cannot pull berthd away. */
  readonly bin = path.join(this.dir, 'bin');
  readonly underlay!: Netns;
  readonly underlayName = `bo-${process.pid}-ul`;
  readonly hosts: SimHost[] = [];
  readonly #netns: { name: string; ns: Netns }[] = [];
  readonly #children = new Set<ChildProcess>();
  #seq = 0;

  /** An abrupt exit (an uncaught error, a closed stdout) still removes the netns and the temp dir. */
  readonly #onExit = () => {
    for (const c of this.#children) c.kill('SIGKILL');
    this.#removeAll();
  };

  constructor() {
    process.once('exit', this.#onExit);
    try {
      for (const f of ['berthd', 'overlay', 'bridge']) {
        if (!fs.existsSync(path.join(DIST, f))) throw new Error(`${path.join(DIST, f)} is missing (npm run build)`);
      }
      fs.cpSync(DIST, this.bin, { recursive: true, filter: (src) => !src.endsWith('.tmp') });
      this.underlay = this.#makeNetns(this.underlayName);
      ip(this.underlayName, 'link', 'set', 'lo', 'up');
      ip(this.underlayName, 'link', 'add', 'ul0', 'type', 'bridge');
      ip(this.underlayName, 'addr', 'add', `${UNDERLAY_PREFIX}.254/24`, 'dev', 'ul0');
      ip(this.underlayName, 'link', 'set', 'ul0', 'up');
    } catch (err) {
      this.#removeAll();
      process.off('exit', this.#onExit);
      throw err;
    }
  }

  /** Adds host n (192.168.78.n) joined to the underlay bridge. */
  addHost(n: number): SimHost {
    const nsName = `bo-${process.pid}-h${n}`;
    const h: SimHost = {
      n, ns: this.#makeNetns(nsName), nsName, ip: `${UNDERLAY_PREFIX}.${n}`,
      stateDir: path.join(this.dir, `h${n}`, 'state'), runDir: path.join(this.dir, `h${n}`, 'run'),
    };
    this.hosts.push(h);
    ip(nsName, 'link', 'set', 'lo', 'up');
    ip(nsName, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `ul-h${n}`, 'netns', this.underlayName);
    ip(this.underlayName, 'link', 'set', `ul-h${n}`, 'master', 'ul0', 'up');
    ip(nsName, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
    ip(nsName, 'link', 'set', 'eth0', 'up');
    return h;
  }

  /**
   * Starts berthd in the host's netns (log: <dir>/hN.log). The resync period is long, so what the bench
   * measures is the watch path, not a periodic reconcile that happened to come by.
   */
  start(h: SimHost, store: string, network: string): ChildProcess {
    const log = fs.openSync(path.join(this.dir, `h${h.n}.log`), 'a');
    const args = ['run', '--store', store, '--iface', 'eth0', '--state-dir', h.stateDir, '--run-dir', h.runDir,
      '--lease-ttl', '2m', '--resync', '30s', '--network', network];
    try {
      h.daemon = this.#spawn(h.ns, path.join(this.bin, 'berthd'), args, ['ignore', log, log]);
    } finally {
      fs.closeSync(log);
    }
    return h.daemon;
  }

  /** Stops the host's berthd (SIGTERM: it keeps its device and lease) and waits for it to exit. */
  async stop(h: SimHost): Promise<void> {
    const d = h.daemon;
    h.daemon = undefined;
    if (d) await stopChild(d, 'SIGTERM');
  }

  /** `berthd leave --network N` in the host's netns (through the running daemon's API). */
  async leave(h: SimHost, store: string, network: string): Promise<void> {
    const child = this.#spawn(h.ns, path.join(this.bin, 'berthd'),
      ['leave', '--network', network, '--store', store, '--iface', 'eth0', '--state-dir', h.stateDir, '--run-dir', h.runDir], ['ignore', 'pipe', 'pipe']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`berthd leave --network ${network} on host ${h.n} exited ${code}: ${out.trim().slice(0, 400)}`);
  }

  /** The lease file berthd wrote for the overlay plugin, or undefined while there is none. */
  leaseFile(h: SimHost, network: string): NodeLeaseFile | undefined {
    try {
      return JSON.parse(fs.readFileSync(path.join(h.runDir, 'overlay', `${network}.json`), 'utf8')) as NodeLeaseFile;
    } catch {
      return undefined;
    }
  }

  /**
   * A new container netns on `h`, attached by the built overlay plugin (which delegates to the built
   * bridge) from the host's lease file; ipMasq off, as nothing here leaves the cluster CIDR.
   */
  async attach(h: SimHost, network: string): Promise<SimContainer> {
    const nsName = `bo-${process.pid}-c${h.n}-${this.#seq++}`;
    const ns = this.#makeNetns(nsName);
    ip(nsName, 'link', 'set', 'lo', 'up');
    const conf = { cniVersion: '1.0.0', name: network, type: 'overlay', runDir: h.runDir, dataDir: path.join(this.dir, `h${h.n}`, 'ipam'), ipMasq: false };
    const env = pluginEnv({
      CNI_COMMAND: 'ADD', CNI_CONTAINERID: nsName, CNI_IFNAME: 'eth0', CNI_NETNS: namedPath(nsName), CNI_PATH: this.bin,
    });
    const r = await timedExec(path.join(this.bin, 'overlay'), env, JSON.stringify(conf), h.ns);
    if (r.code !== 0) throw new Error(`overlay ADD on host ${h.n} failed (exit ${r.code}): ${r.stdout.trim()} ${r.stderr.trim().slice(0, 400)}`);
    const result = JSON.parse(r.stdout) as { ips: { address: string }[] };
    return { ns, nsName, ip: result.ips[0]!.address.split('/')[0]! };
  }

  /** Spawns `bin` inside `ns` (the main thread is switched around the fork); close() kills it if still running. */
  spawnIn(ns: Netns, bin: string, args: string[], stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe']): ChildProcess {
    return this.#spawn(ns, bin, args, stdio);
  }

  /** The tail of host n's berthd log, for an error message. */
  log(h: SimHost): string {
    try {
      return fs.readFileSync(path.join(this.dir, `h${h.n}.log`), 'utf8').trim().split('\n').slice(-8).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Kills every process started here, deletes every netns (their links go with them) and the temp dir. */
  async close(): Promise<void> {
    await Promise.all([...this.#children].map((c) => stopChild(c, 'SIGKILL')));
    this.#removeAll();
    process.off('exit', this.#onExit);
  }

  #removeAll(): void {
    for (const { name, ns } of this.#netns.reverse()) {
      try {
        ns.close();
        deleteNamedNetns(name);
      } catch (err) {
        console.error(`overlay bench: removing netns ${name}: ${(err as Error).message}`);
      }
    }
    this.#netns.length = 0;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  #makeNetns(name: string): Netns {
    const ns = createNamedNetns(name);
    this.#netns.push({ name, ns });
    return ns;
  }

  #spawn(ns: Netns, bin: string, args: string[], stdio: ('ignore' | 'pipe' | number)[]): ChildProcess {
    const child = withNetns(ns, () => spawn(bin, args, { env: pluginEnv({ BERTH_LOG_LEVEL: 'info' }), stdio }));
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }
}

/** Signals a child and waits for it to exit (at once when it already has). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

/** `ip -n <ns> <args>`: set-up of the simulated topology (what is measured never spawns ip). */
export function ip(nsName: string, ...args: string[]): void {
  const r = spawnSync('ip', ['-n', nsName, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip -n ${nsName} ${args.join(' ')}: ${r.stderr.trim()}`);
}
