/** Deleting a rootfs, whatever modes its tarball gave it. */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { errCode } from './image-error';

/**
 * `rm -rf path`. A tarball may hold directories without write permission (mode 0555), which a
 * process without CAP_DAC_OVERRIDE cannot empty: on EACCES the tree is made writable first.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await fs.rm(path, { recursive: true, force: true });
  } catch (err) {
    if (errCode(err) !== 'EACCES' && errCode(err) !== 'EPERM') throw err;
    await promisify(execFile)('chmod', ['-R', 'u+rwx', '--', path]).catch(() => {});
    await fs.rm(path, { recursive: true, force: true });
  }
}
