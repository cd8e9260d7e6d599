/** v1 cpu controller: cpu.shares and the CFS bandwidth files cpu.cfs_period_us / cpu.cfs_quota_us. */
import { join } from 'node:path';
import { parseKeyValues, readOptional } from '../fs';
import { hasCgroupCode } from '../errors';
import type { V1ControllerOps } from './controller';

/** The cpu controller. */
export const cpu: V1ControllerOps = {
  name: 'cpu',
  neededBy: (r) => (r.cpus !== undefined ? '--cpus' : r.cpuShares !== undefined ? '--cpu-shares' : undefined),
  apply(cfs, dir, r) {
    if (r.cpuShares !== undefined) cfs.write(join(dir, 'cpu.shares'), String(r.cpuShares));
    if (r.cpus === undefined) return;
    const period = join(dir, 'cpu.cfs_period_us');
    const quota = join(dir, 'cpu.cfs_quota_us');
    try {
      cfs.write(period, String(r.cpus.period));
    } catch (err) {
      // A shorter period can make the current quota exceed the parent's bandwidth (EINVAL); runc
      // then writes the quota first and retries the period.
      if (!hasCgroupCode(err, 'EINVAL')) throw err;
      cfs.write(quota, String(r.cpus.quota));
      cfs.write(period, String(r.cpus.period));
    }
    cfs.write(quota, String(r.cpus.quota));
  },
  stats(cfs, dir, out) {
    const stat = parseKeyValues(readOptional(cfs, join(dir, 'cpu.stat')) ?? '');
    out.cpu.throttledPeriods = stat.get('nr_throttled');
    out.cpu.throttledNs = stat.get('throttled_time');
  },
};
