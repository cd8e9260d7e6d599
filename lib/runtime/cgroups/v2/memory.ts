/** v2 memory controller: memory.max and memory.swap.max, and the memory figures. */
import { join } from 'node:path';
import { type CgroupFs, parseKeyValues, parseLimit, readOptional } from '../fs';
import { memorySwapToV2 } from '../convert';
import type { CgroupStats } from '../manager';
import type { Resources } from '../resources';

/** Writes memory.swap.max then memory.max (v2 has no ordering rule between them, unlike v1's memsw). */
export function applyMemory(cfs: CgroupFs, dir: string, r: Resources): void {
  const swap = memorySwapToV2(r.memory, r.memorySwap ?? (r.memory === -1 ? -1 : undefined));
  if (swap !== undefined) cfs.write(join(dir, 'memory.swap.max'), swap);
  if (r.memory !== undefined) cfs.write(join(dir, 'memory.max'), r.memory === -1 ? 'max' : String(r.memory));
}

/** Fills the memory part of the stats from memory.current, memory.peak, memory.stat and memory.events. */
export function memoryStats(cfs: CgroupFs, dir: string, out: CgroupStats): void {
  out.memory.usage = Number((readOptional(cfs, join(dir, 'memory.current')) ?? '0').trim());
  const peak = readOptional(cfs, join(dir, 'memory.peak')); // Linux 5.19+
  if (peak !== undefined) out.memory.maxUsage = Number(peak.trim());
  const max = readOptional(cfs, join(dir, 'memory.max'));
  out.memory.limit = max === undefined ? undefined : parseLimit(max);
  const stat = parseKeyValues(readOptional(cfs, join(dir, 'memory.stat')) ?? '');
  out.memory.cache = stat.get('file');
  out.memory.rss = stat.get('anon');
  const events = parseKeyValues(readOptional(cfs, join(dir, 'memory.events')) ?? '');
  out.memory.failcnt = events.get('max');
  out.memory.oomKill = events.get('oom_kill');
}
