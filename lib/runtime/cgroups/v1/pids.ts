/** v1 pids controller: pids.max ("max" is unlimited) and pids.current. */
import { join } from 'node:path';
import { parseLimit, readOptional } from '../fs';
import { pidsMaxValue } from '../convert';
import type { V1ControllerOps } from './controller';

/** The pids controller. */
export const pids: V1ControllerOps = {
  name: 'pids',
  neededBy: (r) => (r.pidsLimit !== undefined ? '--pids-limit' : undefined),
  apply(cfs, dir, r) {
    if (r.pidsLimit !== undefined) cfs.write(join(dir, 'pids.max'), pidsMaxValue(r.pidsLimit));
  },
  stats(cfs, dir, out) {
    const current = readOptional(cfs, join(dir, 'pids.current'));
    if (current !== undefined) out.pids.current = Number(current.trim());
    const max = readOptional(cfs, join(dir, 'pids.max'));
    out.pids.limit = max === undefined ? undefined : parseLimit(max);
  },
};
