/**
 * Each container has a lock file held (flock) by the one berth process responsible for it: the
 * `berth run` that is creating it, then its supervisor for as long as the container lives. The kernel
 * drops a flock when its holder dies, even by SIGKILL, so "can I take the lock?" is an exact test of
 * "is anybody looking after this container?": no PIDs to reuse, no heartbeats to expire.
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOCK_EX, LOCK_NB, flock, hasErrno } from '../../sys';

/** The lock file inside a container's directory. */
export const lockPath = (containerDir: string): string => join(containerDir, 'lock');

/** An open, held container lock. Closing the descriptor releases it. */
export interface HeldLock {
  readonly fd: number;
  release(): void;
}

/**
 * Takes the lock without waiting; undefined when someone holds it. The descriptor is inheritable by
 * a child only when passed explicitly in its stdio (Node opens with O_CLOEXEC).
 */
export function tryLock(containerDir: string): HeldLock | undefined {
  let fd: number;
  try {
    fd = openSync(lockPath(containerDir), 'a+', 0o600);
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return undefined; // the container is being removed
    throw err;
  }
  try {
    flock(fd, LOCK_EX | LOCK_NB, lockPath(containerDir));
  } catch (err) {
    closeSync(fd);
    if (hasErrno(err, 'EAGAIN') || hasErrno(err, 'EWOULDBLOCK')) return undefined;
    throw err;
  }
  let open = true;
  return { fd, release: () => { if (open) { open = false; closeSync(fd); } } };
}

/** True when nobody holds the lock (its holder exited or died), or the container is gone. */
export function isUnattended(containerDir: string): boolean {
  const lock = tryLock(containerDir);
  lock?.release();
  return lock !== undefined || !existsSync(containerDir);
}

/**
 * Waits until the lock's holder is gone, polling (flock has no timed wait and a blocking flock would
 * block the event loop). Resolves false on timeout.
 */
export async function waitUnattended(containerDir: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (isUnattended(containerDir)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}
