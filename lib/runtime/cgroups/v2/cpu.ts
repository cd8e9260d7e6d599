/** v2 cpu and cpuset controllers: cpu.weight, cpu.max, cpuset.cpus/mems, and cpu.stat. */
import { join } from 'node:path';
import { type CgroupFs, parseKeyValues, readOptional } from '../fs';
import { cpuSharesToWeight } from '../convert';
import type { CgroupStats } from '../manager';
import type { Resources } from '../resources';

/** Spells a quota as cpu.max takes it: "QUOTA PERIOD", or "max PERIOD" when unlimited. */
export function cpuMaxValue(quota: number, period: number): string {
  return `${quota === -1 ? 'max' : quota} ${period}`;
}

/** Writes cpu.weight (converted from shares), cpu.max and the cpuset lists. */
export function applyCpu(cfs: CgroupFs, dir: string, r: Resources): void {
  if (r.cpuShares !== undefined) cfs.write(join(dir, 'cpu.weight'), String(cpuSharesToWeight(r.cpuShares)));
  // One write sets both numbers, so v1's period-before-quota dance is not needed.
  if (r.cpus !== undefined) cfs.write(join(dir, 'cpu.max'), cpuMaxValue(r.cpus.quota, r.cpus.period));
  // v2 cpusets inherit the parent's effective set, so there is no empty-cpuset gotcha here.
  if (r.cpusetCpus !== undefined) cfs.write(join(dir, 'cpuset.cpus'), r.cpusetCpus);
  if (r.cpusetMems !== undefined) cfs.write(join(dir, 'cpuset.mems'), r.cpusetMems);
}

/** Fills the cpu part of the stats from cpu.stat (microseconds in v2). */
export function cpuStats(cfs: CgroupFs, dir: string, out: CgroupStats): void {
  const stat = parseKeyValues(readOptional(cfs, join(dir, 'cpu.stat')) ?? '');
  const us = (k: string): number | undefined => {
    const v = stat.get(k);
    return v === undefined ? undefined : v * 1000;
  };
  out.cpu.usageNs = us('usage_usec') ?? 0;
  out.cpu.userNs = us('user_usec');
  out.cpu.systemNs = us('system_usec');
  out.cpu.throttledPeriods = stat.get('nr_throttled');
  out.cpu.throttledNs = us('throttled_usec');
}
