/** v1 net_cls and net_prio controllers: tag the cgroup's packets for tc/iptables and set priorities. */
import { join } from 'node:path';
import type { V1ControllerOps } from './controller';

/** The net_cls controller: net_cls.classid holds 0xAAAABBBB (tc major:minor) as a decimal number. */
export const netCls: V1ControllerOps = {
  name: 'net_cls',
  neededBy: (r) => (r.netClsClassid !== undefined ? '--net-cls-classid' : undefined),
  apply(cfs, dir, r) {
    if (r.netClsClassid !== undefined) cfs.write(join(dir, 'net_cls.classid'), String(r.netClsClassid));
  },
};

/** The net_prio controller: one "IFNAME PRIO" entry per write of net_prio.ifpriomap. */
export const netPrio: V1ControllerOps = {
  name: 'net_prio',
  neededBy: (r) => (r.netPrioIfpriomap?.length ? '--net-prio' : undefined),
  apply(cfs, dir, r) {
    for (const p of r.netPrioIfpriomap ?? []) cfs.write(join(dir, 'net_prio.ifpriomap'), `${p.ifname} ${p.priority}`);
  },
};
