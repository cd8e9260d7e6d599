/** v1 devices controller: deny everything, then allow the list. */
import { join } from 'node:path';
import { formatDeviceRule } from '../resources';
import type { V1ControllerOps } from './controller';

/** The devices controller. */
export const devices: V1ControllerOps = {
  name: 'devices',
  neededBy: (r) => (r.devices !== undefined ? '--device-cgroup-rule' : undefined),
  apply(cfs, dir, r) {
    if (r.devices === undefined) return;
    // "a" on devices.deny clears the inherited allow-all; each rule is then its own write because the
    // kernel takes one rule per write(2). Between the two steps the cgroup may use no device, which is
    // why apply() runs before the container's process is released.
    cfs.write(join(dir, 'devices.deny'), 'a');
    for (const rule of r.devices) cfs.write(join(dir, 'devices.allow'), formatDeviceRule(rule));
  },
};
