/** v1 memory controller: memory.limit_in_bytes, memory.memsw.limit_in_bytes and the memory figures. */
import { join } from 'node:path';
import { parseKeyValues, parseLimit, readOptional } from '../fs';
import { CgroupUnsupportedError } from '../errors';
import type { V1ControllerOps } from './controller';

const LIMIT = 'memory.limit_in_bytes';
const MEMSW = 'memory.memsw.limit_in_bytes';

/** The memory controller. */
export const memory: V1ControllerOps = {
  name: 'memory',
  neededBy: (r) => (r.memory !== undefined ? '--memory' : r.memorySwap !== undefined ? '--memory-swap' : undefined),
  apply(cfs, dir, r) {
    const mem = r.memory;
    // Unlimited memory without a swap value means unlimited swap too, or the old memsw cap would
    // stay below the new memory limit and the kernel would refuse it.
    const swap = r.memorySwap ?? (mem === -1 ? -1 : undefined);
    if (swap !== undefined && !cfs.exists(join(dir, MEMSW))) {
      // No swap accounting (swapaccount=0): unlimited is what the kernel does anyway.
      if (swap !== -1) throw new CgroupUnsupportedError('--memory-swap', 'the kernel has no swap accounting (memory.memsw.* missing)');
      if (mem !== undefined) cfs.write(join(dir, LIMIT), String(mem));
      return;
    }
    if (mem !== undefined && swap !== undefined) {
      // The kernel keeps limit_in_bytes <= memsw.limit_in_bytes at every step, so raising both must
      // write memsw first and lowering both must write memory first (runc setMemoryAndSwap).
      const current = parseLimit(cfs.read(join(dir, LIMIT))) ?? Infinity;
      if (swap === -1 || current < swap) {
        cfs.write(join(dir, MEMSW), String(swap));
        cfs.write(join(dir, LIMIT), String(mem));
      } else {
        cfs.write(join(dir, LIMIT), String(mem));
        cfs.write(join(dir, MEMSW), String(swap));
      }
    } else if (mem !== undefined) {
      cfs.write(join(dir, LIMIT), String(mem));
    } else if (swap !== undefined) {
      cfs.write(join(dir, MEMSW), String(swap));
    }
  },
  stats(cfs, dir, out) {
    const num = (f: string): number | undefined => {
      const t = readOptional(cfs, join(dir, f));
      return t === undefined ? undefined : Number(t.trim());
    };
    out.memory.usage = num('memory.usage_in_bytes') ?? 0;
    out.memory.maxUsage = num('memory.max_usage_in_bytes');
    out.memory.failcnt = num('memory.failcnt');
    const limit = readOptional(cfs, join(dir, LIMIT));
    out.memory.limit = limit === undefined ? undefined : parseLimit(limit);
    const stat = parseKeyValues(readOptional(cfs, join(dir, 'memory.stat')) ?? '');
    out.memory.cache = stat.get('cache');
    out.memory.rss = stat.get('rss');
    // oom_kill appeared in memory.oom_control with Linux 4.13.
    out.memory.oomKill = parseKeyValues(readOptional(cfs, join(dir, 'memory.oom_control')) ?? '').get('oom_kill');
  },
};
