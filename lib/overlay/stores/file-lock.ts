/**
 * The file store's lock: lib/sys/file-lock's polled flock, its failures as StoreErrors.
 */
import { LockTimeoutError, withFileLock as withSysFileLock } from '../../sys';
import { StoreError } from './store-error';

/**
 * Runs `fn` holding an exclusive flock on `lockPath`.
 * @throws StoreError when the lock is still held after `timeoutMs`, or cannot be taken at all.
 */
export async function withFileLock<T>(lockPath: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  let inside = false;
  try {
    return await withSysFileLock(lockPath, { timeoutMs }, () => {
      inside = true;
      return fn();
    });
  } catch (err) {
    if (inside) throw err;
    if (err instanceof LockTimeoutError) throw new StoreError('lock', `still held by another process after ${timeoutMs} ms`, { where: lockPath });
    throw new StoreError('lock', 'cannot take the lock', { where: lockPath, cause: err });
  }
}
