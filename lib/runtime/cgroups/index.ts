/**
 * cgroup managers for the runtime: a v1 and a v2 implementation of {@link CgroupManager}, chosen by
 * the host's layout.
 */
import { type CgroupLayout, detectCgroupLayout } from './detect';
import type { CgroupFs } from './fs';
import type { CgroupManager } from './manager';
import { V1CgroupManager } from './v1/manager';
import { V2CgroupManager } from './v2/manager';

export type { CgroupManager, CgroupStats } from './manager';
export { checkCgroupPath } from './manager';
export * from './resources';
export { cpuSharesToWeight, blkioWeightToIoWeight, memorySwapToV2, pidsMaxValue } from './convert';
export { type CgroupLayout, type V1Controller, V1_CONTROLLERS, detectCgroupLayout, parseCgroupLayout } from './detect';
export { type CgroupFs, nodeCgroupFs } from './fs';
export { ResourceError, CgroupUnsupportedError, CgroupError, hasCgroupCode } from './errors';
export { V1CgroupManager, type V1ManagerOptions } from './v1/manager';
export { V2CgroupManager, type V2ManagerOptions } from './v2/manager';

/**
 * The manager for cgroup `path` ("berth/<id>") on this host: v1 on v1 and hybrid hosts (where the
 * resource controllers live), v2 on unified ones.
 */
export function createCgroupManager(path: string, opts: { layout?: CgroupLayout; fs?: CgroupFs } = {}): CgroupManager {
  const layout = opts.layout ?? detectCgroupLayout();
  const fs = opts.fs === undefined ? {} : { fs: opts.fs };
  if (layout.mode === 'v2') return new V2CgroupManager({ path, root: layout.unified ?? '/sys/fs/cgroup', ...fs });
  return new V1CgroupManager({ path, mounts: layout.v1, ...fs });
}
