/** v1 cpuset controller: cpuset.cpus and cpuset.mems, and the empty-cpuset gotcha at creation. */
import { join } from 'node:path';
import type { CgroupFs } from '../fs';
import type { V1ControllerOps } from './controller';

const FILES = ['cpuset.cpus', 'cpuset.mems'] as const;

// A new v1 cpuset starts with empty cpus and mems, and the kernel refuses to attach a task to it
// (ENOSPC) until both are set. runc's cpusetEnsureParent copies them down from the nearest parent;
// so do we, for every level we may have just created.
function copyFromParent(cfs: CgroupFs, parent: string, dir: string): void {
  for (const f of FILES) {
    const own = cfs.exists(join(dir, f)) ? cfs.read(join(dir, f)).trim() : '';
    if (own === '') cfs.write(join(dir, f), cfs.read(join(parent, f)).trim());
  }
}

/** The cpuset controller. */
export const cpuset: V1ControllerOps = {
  name: 'cpuset',
  neededBy: (r) => (r.cpusetCpus !== undefined ? '--cpuset-cpus' : r.cpusetMems !== undefined ? '--cpuset-mems' : undefined),
  create(cfs, root, relPath) {
    let parent = root;
    for (const part of relPath.split('/')) {
      const dir = join(parent, part);
      cfs.mkdir(dir);
      copyFromParent(cfs, parent, dir);
      parent = dir;
    }
  },
  apply(cfs, dir, r) {
    // mems before cpus is arbitrary, both are independent; cpus first matches runc's order.
    if (r.cpusetCpus !== undefined) cfs.write(join(dir, 'cpuset.cpus'), r.cpusetCpus);
    if (r.cpusetMems !== undefined) cfs.write(join(dir, 'cpuset.mems'), r.cpusetMems);
  },
};
