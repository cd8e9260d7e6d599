/**
 * flock(2)-based exclusion for the image store: the store-wide lock file, and a lock held on each
 * temp directory by the import that owns it, which tells a live import's temp dir from a crash's
 * leftover without guessing from ages (an import of a big tarball may run for many minutes). Node
 * opens every descriptor close-on-exec, so the tar and cp children never inherit a lock.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { LockTimeoutError, tryExclusive, withFileLock as withSysFileLock } from '../../sys';
import { ImageError } from './image-error';

/** How long to wait for the store lock by default: it is held for renames and a small JSON write. */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

/**
 * Runs `fn` holding an exclusive flock on `lockPath` (lib/sys/file-lock: polled, so the event loop
 * never blocks and two imports in one process cannot deadlock), its failures as ImageErrors.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = DEFAULT_LOCK_TIMEOUT_MS): Promise<T> {
  let inside = false;
  try {
    return await withSysFileLock(lockPath, { timeoutMs, maxDelayMs: 16 }, () => {
      inside = true;
      return fn();
    });
  } catch (err) {
    if (inside) throw err;
    if (err instanceof LockTimeoutError) throw new ImageError(`timed out after ${timeoutMs} ms waiting for the image store lock ${lockPath}`, 'io');
    throw new ImageError(`locking ${lockPath}: ${(err as Error).message}`, 'io', { cause: err });
  }
}

/**
 * Opens the directory `path` and takes an exclusive flock on it without waiting. Returns the
 * descriptor holding the lock (close it to release), or undefined when another process holds it or
 * the directory is gone (an import renames its temp dir into place without the store lock).
 */
export function tryLockDir(path: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (tryFlock(fd, path)) return fd;
  closeSync(fd);
  return undefined;
}

function tryFlock(fd: number, context: string): boolean {
  try {
    return tryExclusive(fd, context);
  } catch (err) {
    throw new ImageError(`locking ${context}: ${(err as Error).message}`, 'io', { cause: err });
  }
}
