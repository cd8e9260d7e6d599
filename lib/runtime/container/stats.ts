/**
 * `berth stats`: the cgroup's CPU, memory and pids figures, plus network bytes from the container's
 * netns (/proc/<pid>/net/dev is read in the namespace of that process).
 */
import { readFileSync } from 'node:fs';
import type { CgroupStats } from '../cgroups';
import type { RuntimeDeps } from './deps';
import { containerCgroup } from './teardown';
import type { ContainerRecord } from './types';

/** One sample of a container's usage. */
export interface ContainerStats {
  readonly read: string;
  readonly cgroup: CgroupStats;
  readonly net: { rxBytes: number; txBytes: number };
}

/** Sums /proc/net/dev counters over every interface but loopback. */
export function parseNetDev(text: string): { rxBytes: number; txBytes: number } {
  let rxBytes = 0;
  let txBytes = 0;
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (rest === undefined || name!.trim() === 'lo') continue;
    const fields = rest.trim().split(/\s+/).map(Number);
    rxBytes += fields[0] ?? 0;
    txBytes += fields[8] ?? 0;
  }
  return { rxBytes, txBytes };
}

/** A sample now. */
export function containerStats(deps: RuntimeDeps, rec: ContainerRecord): ContainerStats {
  let net = { rxBytes: 0, txBytes: 0 };
  if (rec.state.pid > 0) {
    try {
      net = parseNetDev(readFileSync(`/proc/${rec.state.pid}/net/dev`, 'utf8'));
    } catch {
      // exited meanwhile
    }
  }
  return { read: new Date().toISOString(), cgroup: containerCgroup(deps, rec.config.id).stats(), net };
}
