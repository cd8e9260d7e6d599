// Plumbing for bench/bridge.ts: a throwaway host netns, per-attachment container netns, and plugin
// runs spawned from inside the host netns (the main thread is switched around the fork, so the child
// starts there with no `ip netns exec` in between to blur the figures).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNamedNetns, deleteNamedNetns, namedPath, type Netns } from '../lib/netns';
import { pluginEnv, timedExec } from './exec';

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

  /**
   * Runs `s` for `command` inside the host netns. The env holds PATH and CNI_* only (no
   * NODE_EXTRA_CA_CERTS), plus `extraEnv` (BERTH_PHASES for ours). `wrapper` runs the plugin under
   * another program (its argv, the plugin's path appended), e.g. /usr/bin/time.
   */
  run(
    s: Subject, command: string, containerNs: string, cid: string, ifName: string, conf: object,
    extraEnv: Record<string, string> = {}, wrapper: readonly string[] = [],
  ): Promise<Run> {
    const env = pluginEnv({
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: cid, CNI_IFNAME: ifName,
      CNI_NETNS: containerNs === '' ? '' : namedPath(containerNs), CNI_PATH: s.cniPath, ...extraEnv,
    });
    if (wrapper.length === 0) return timedExec(s.bin, env, JSON.stringify(conf), this.host);
    return timedExec(wrapper[0]!, env, JSON.stringify(conf), this.host, [...wrapper.slice(1), s.bin]);
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
