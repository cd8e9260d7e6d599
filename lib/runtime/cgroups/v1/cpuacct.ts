/** v1 cpuacct controller: nothing to set; CPU time figures for `berth stats`. */
import { join } from 'node:path';
import { parseKeyValues, readOptional } from '../fs';
import type { V1ControllerOps } from './controller';

// cpuacct.stat counts USER_HZ ticks, which the kernel fixes at 100 on every architecture.
const NS_PER_TICK = 1e9 / 100;

/** The cpuacct controller. */
export const cpuacct: V1ControllerOps = {
  name: 'cpuacct',
  neededBy: () => undefined,
  apply() {},
  stats(cfs, dir, out) {
    const usage = readOptional(cfs, join(dir, 'cpuacct.usage'));
    if (usage !== undefined) out.cpu.usageNs = Number(usage.trim());
    const stat = parseKeyValues(readOptional(cfs, join(dir, 'cpuacct.stat')) ?? '');
    const user = stat.get('user');
    const system = stat.get('system');
    if (user !== undefined) out.cpu.userNs = user * NS_PER_TICK;
    if (system !== undefined) out.cpu.systemNs = system * NS_PER_TICK;
    const perCpu = readOptional(cfs, join(dir, 'cpuacct.usage_percpu'));
    if (perCpu !== undefined) out.cpu.perCpuNs = perCpu.trim().split(/\s+/).filter(Boolean).map(Number);
  },
};
