/**
 * flock(2)-based exclusion for the image store: the store-wide lock file, and a lock held on each
 * temp directory by the import that owns it, which tells a live import's temp dir from a crash's
 * leftover without guessing from ages (an import of a big tarball may run for many minutes). Node
 * opens every descriptor close-on-exec, so the tar and cp children never inherit a lock.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { hasErrno } from '../../sys/errno';
import { flock, LOCK_EX, LOCK_NB, LOCK_UN } from '../../sys/flock';
import { ImageError } from './image-error';

/** How long to wait for the store lock by default: it is held for renames and a small JSON write. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

/**
 * Runs `fn` holding an exclusive flock on `lockPath` (created if missing). Polls with LOCK_NB
 * rather than blocking: a blocking flock would freeze the event loop, and two imports in one
 * process (each with its own open file description) would deadlock on each other.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): Promise<T> {
  let fd: number;
  try {
    fd = openSync(lockPath, constants.O_RDONLY | constants.O_CREAT, 0o600);
  } catch (err) {
    throw new ImageError(`opening lock ${lockPath}: ${(err as Error).message}`, 'io', { cause: err });
  }
  try {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 1; !tryFlock(fd, lockPath); delay = Math.min(delay * 2, 16)) {
      if (Date.now() >= deadline) throw new ImageError(`timed out after ${timeoutMs} ms waiting for the image store lock ${lockPath}`, 'io');
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    }
    try {
      return await fn();
    } finally {
      try {
        flock(fd, LOCK_UN, lockPath);
      } catch {
        // closeSync below drops the lock all the same.
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens the directory `path` and takes an exclusive flock on it without waiting. Returns the
 * descriptor holding the lock (close it to release), or undefined when another process holds it.
 */
export function tryLockDir(path: string): number | undefined {
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  if (tryFlock(fd, path)) return fd;
  closeSync(fd);
  return undefined;
}

function tryFlock(fd: number, context: string): boolean {
  try {
    flock(fd, LOCK_EX | LOCK_NB, context);
    return true;
  } catch (err) {
    if (hasErrno(err, 'EWOULDBLOCK') || hasErrno(err, 'EAGAIN')) return false;
    throw new ImageError(`locking ${context}: ${(err as Error).message}`, 'io', { cause: err });
  }
}
