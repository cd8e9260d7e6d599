/**
 * "Run this holding an exclusive flock on that file", without blocking the event loop. The IPAM store,
 * the image store and the overlay file store all need it: a blocking flock(2) would freeze the thread
 * (and with it berthd's API and watches, or a plugin's in-process allocator) and could not time out.
 * So the lock is polled with LOCK_NB at a short, growing, jittered interval: holders keep it for
 * milliseconds, and a long sleep would only leave it idle while waiters doze.
 *
 * Each call opens its own descriptor; flock locks belong to the open file description, so two calls
 * in one process exclude each other exactly as two processes do. A holder killed by SIGKILL releases
 * the lock with its descriptors. Node opens descriptors close-on-exec: children never inherit one.
 *
 * Only a held lock is polled: any other failure of open(2) or flock(2) (ENOLCK on NFS, EINVAL on a
 * FUSE mount without flock, EROFS, EISDIR, ...) cannot get better by waiting and is thrown at once.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasErrno } from './errno';
import { flock, LOCK_EX, LOCK_NB, LOCK_UN } from './flock';

/** The lock was still held by someone else when the time ran out. */
export class LockTimeoutError extends Error {
  readonly path: string;
  readonly timeoutMs: number;
  constructor(path: string, timeoutMs: number) {
    super(`${path}: still held by another process after ${timeoutMs} ms`);
    this.name = 'LockTimeoutError';
    this.path = path;
    this.timeoutMs = timeoutMs;
  }
}

/** How {@link withFileLock} waits. */
export interface FileLockOptions {
  readonly timeoutMs: number;
  /** The longest pause between two polls (ms); the first is 1 ms, doubling up to this. Default 8. */
  readonly maxDelayMs?: number;
}

/**
 * Runs `fn` holding an exclusive flock on `lockPath` (created mode 0600 if absent).
 * @throws LockTimeoutError after `timeoutMs`; the SysError or Node error of opening or locking the
 *   file (callers wrap both in their own domain error).
 */
export async function withFileLock<T>(lockPath: string, opts: FileLockOptions, fn: () => T | Promise<T>): Promise<T> {
  const fd = fs.openSync(lockPath, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o600);
  try {
    const waits = pollWaits(lockPath, opts);
    while (!tryExclusive(fd, lockPath)) await sleep(waits.next().value);
    try {
      return await fn();
    } finally {
      unlockQuietly(fd, lockPath);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * {@link withFileLock} for synchronous callers (a CLI step that is synchronous through and through):
 * the same bounded poll, sleeping with Atomics.wait, so the thread blocks for at most `timeoutMs`
 * where a blocking flock(2) could wait forever. Never use it on a thread that serves anything else.
 * @throws LockTimeoutError after `timeoutMs`; the error of opening or locking the file at once.
 */
export function withFileLockSync<T>(lockPath: string, opts: FileLockOptions, fn: () => T): T {
  const fd = fs.openSync(lockPath, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o600);
  try {
    const waits = pollWaits(lockPath, opts);
    while (!tryExclusive(fd, lockPath)) Atomics.wait(napCell, 0, 0, waits.next().value);
    try {
      return fn();
    } finally {
      unlockQuietly(fd, lockPath);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The waits of one bounded poll, in ms: jittered, doubling up to `maxDelayMs`; past the deadline the
 * next one throws LockTimeoutError instead.
 */
function* pollWaits(lockPath: string, opts: FileLockOptions): Generator<number, never> {
  const deadline = Date.now() + opts.timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, opts.maxDelayMs ?? 8)) {
    if (Date.now() >= deadline) throw new LockTimeoutError(lockPath, opts.timeoutMs);
    yield delay * (0.5 + Math.random());
  }
}

function unlockQuietly(fd: number, lockPath: string): void {
  try {
    flock(fd, LOCK_UN, lockPath);
  } catch {
    // Closing the descriptor right after drops the lock all the same.
  }
}

/** A cell nobody notifies: Atomics.wait on it is a plain sleep. */
const napCell = new Int32Array(new SharedArrayBuffer(4));

/** One LOCK_NB attempt: true when taken, false when someone else holds it. */
export function tryExclusive(fd: number, context: string): boolean {
  try {
    flock(fd, LOCK_EX | LOCK_NB, context);
    return true;
  } catch (err) {
    if (hasErrno(err, 'EWOULDBLOCK') || hasErrno(err, 'EAGAIN')) return false;
    throw err;
  }
}
