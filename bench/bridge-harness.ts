// Plumbing for bench/bridge.ts: a throwaway host netns, per-attachment container netns, and plugin
// runs spawned from inside the host netns (the main thread is switched around the fork, so the child
// starts there with no `ip netns exec` in between to blur the figures).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNamedNetns, deleteNamedNetns, namedPath, withNetns, type Netns } from '../lib/netns';

/** One plugin under test: its executable, CNI_PATH (for its IPAM) and what keeps it apart from the other. */
export interface Subject {
  readonly label: 'ours' | 'reference';
  readonly bin: string;
  readonly cniPath: string;
  readonly bridge: string;
  readonly network: string;
  readonly subnet: string;
}

/** A plugin run: wall time from spawn to exit, exit code, stdout. */
export interface Run { ms: number; code: number | null; stdout: string; stderr: string }

/** A throwaway world: the host netns, a temp dir for IPAM data, and container netns made on demand. */
export class BenchWorld {
  readonly host: Netns;
  readonly hostName: string;
  readonly dataDir: string;
  #containers = new Set<string>();
  #seq = 0;

  constructor(tag: string) {
    this.hostName = `bb-${tag}-${process.pid}`;
    this.host = createNamedNetns(this.hostName);
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-br-'));
  }

  /** A new container netns; returns its name. */
  container(): string {
    const name = `${this.hostName}-c${this.#seq++}`;
    createNamedNetns(name).close();
    this.#containers.add(name);
    return name;
  }

  dropContainer(name: string): void {
    if (this.#containers.delete(name)) deleteNamedNetns(name);
  }

  /** The network config of `s`. */
  conf(s: Subject, ipMasq: boolean, version = '1.0.0'): object {
    return {
      cniVersion: version, name: s.network, type: 'bridge', bridge: s.bridge, isGateway: true, ipMasq,
      ipam: { type: 'host-local', subnet: s.subnet, dataDir: this.dataDir },
    };
  }

  /** Runs `s` for `command` inside the host netns. The env holds PATH and CNI_* only (no NODE_EXTRA_CA_CERTS). */
  run(s: Subject, command: string, containerNs: string, cid: string, ifName: string, conf: object): Promise<Run> {
    const env = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: cid, CNI_IFNAME: ifName,
      CNI_NETNS: containerNs === '' ? '' : namedPath(containerNs), CNI_PATH: s.cniPath,
    };
    return new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      const child = withNetns(this.host, () => spawn(s.bin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, stdout, stderr }));
      child.stdin.end(JSON.stringify(conf));
    });
  }

  /** Removes every container netns, the host netns (and with it bridges, veths and rules) and the data. */
  close(): void {
    for (const name of this.#containers) deleteNamedNetns(name);
    this.#containers.clear();
    this.host.close();
    deleteNamedNetns(this.hostName);
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Throws with the plugin's own words when a run failed. */
export function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stdout.trim()} ${r.stderr.trim().slice(0, 400)}`);
  return r;
}
