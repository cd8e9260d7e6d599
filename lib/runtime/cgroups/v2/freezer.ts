/** v2 freezer: cgroup.freeze 1/0, completion reported by "frozen" in cgroup.events. */
import { join } from 'node:path';
import { type CgroupFs, parseKeyValues, readOptional, sleep } from '../fs';
import { CgroupUnsupportedError } from '../errors';

/** How long a freeze may take before we give up. */
export const FREEZE_TIMEOUT_MS = 5000;

/**
 * Writes cgroup.freeze and waits until cgroup.events agrees. Like v1, freezing completes
 * asynchronously; a cgroup.events without a "frozen" key (an old kernel) is not waited for.
 * @throws CgroupUnsupportedError before Linux 5.2, which has no cgroup.freeze.
 */
export async function setFrozen(cfs: CgroupFs, dir: string, frozen: boolean): Promise<void> {
  const file = join(dir, 'cgroup.freeze');
  if (!cfs.exists(file)) throw new CgroupUnsupportedError(frozen ? 'pause' : 'unpause', 'cgroup.freeze needs Linux 5.2 or later');
  cfs.write(file, frozen ? '1' : '0');
  const want = frozen ? 1 : 0;
  const deadline = Date.now() + FREEZE_TIMEOUT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 100)) {
    const state = parseKeyValues(readOptional(cfs, join(dir, 'cgroup.events')) ?? '').get('frozen');
    if (state === undefined || state === want) return;
    if (Date.now() > deadline) {
      if (frozen) cfs.write(file, '0');
      throw new Error(`cgroup ${dir} did not ${frozen ? 'freeze' : 'thaw'} within ${FREEZE_TIMEOUT_MS} ms`);
    }
    await sleep(delay);
  }
}
