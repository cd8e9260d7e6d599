/** Removing cgroup directories, shared by both managers. */
import { type CgroupFs, sleep } from './fs';
import { hasCgroupCode } from './errors';

/** Retries of an rmdir that fails with EBUSY, doubling from 10 ms (about 1.3 s in all). */
export const RMDIR_RETRIES = 7;

/**
 * Removes one cgroup directory. ENOENT is success (destroy is idempotent). EBUSY is retried briefly:
 * the kernel keeps a cgroup busy until its last task is fully released, which trails the parent's
 * waitpid() by a little.
 */
export async function removeCgroupDir(cfs: CgroupFs, dir: string): Promise<void> {
  for (let attempt = 0, delay = 10; ; attempt++, delay *= 2) {
    try {
      cfs.rmdir(dir);
      return;
    } catch (err) {
      if (hasCgroupCode(err, 'ENOENT')) return;
      if (!hasCgroupCode(err, 'EBUSY') || attempt >= RMDIR_RETRIES) throw err;
    }
    await sleep(delay);
  }
}
