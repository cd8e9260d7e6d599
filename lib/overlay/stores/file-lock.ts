/**
 * An exclusive flock(2) on a lock file, taken without blocking the event loop. The file store holds
 * it for milliseconds per write, but berthd's event loop also serves its API and its watches, so a
 * blocking flock (which stalls the whole thread) is not an option; LOCK_NB polling is.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasErrno } from '../../sys/errno';
import { flock, LOCK_EX, LOCK_NB, LOCK_UN } from '../../sys/flock';
import { StoreError } from './store-error';

/**
 * Runs `fn` holding an exclusive flock on `lockPath` (created mode 0600 if absent). Each call opens
 * its own descriptor, and flock locks belong to the open file description, so two calls in one
 * process exclude each other just as two processes do. A process killed while holding it releases it
 * with its descriptors.
 * @throws StoreError when the lock is still held after `timeoutMs`, or cannot be taken at all.
 */
export async function withFileLock<T>(lockPath: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  } catch (err) {
    throw new StoreError('lock', 'cannot open the lock file', { where: lockPath, cause: err });
  }
  try {
    await acquire(fd, lockPath, timeoutMs);
    try {
      return await fn();
    } finally {
      try {
        flock(fd, LOCK_UN, lockPath);
      } catch {
        // Closing the descriptor below drops the lock all the same.
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Polls with a short, growing interval (1 → 8 ms, jittered): holders keep the lock for a few
 * milliseconds, so a long sleep would only leave it idle while waiters doze.
 */
async function acquire(fd: number, lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 8)) {
    try {
      flock(fd, LOCK_EX | LOCK_NB, lockPath);
      return;
    } catch (err) {
      if (!hasErrno(err, 'EWOULDBLOCK') && !hasErrno(err, 'EAGAIN')) throw new StoreError('lock', 'flock failed', { where: lockPath, cause: err });
    }
    if (Date.now() >= deadline) throw new StoreError('lock', `still held by another process after ${timeoutMs} ms`, { where: lockPath });
    await sleep(delay * (0.5 + Math.random()));
  }
}
