import { libc } from './libc';
import { check } from './errno';

/** flock(2) operations. */
export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/**
 * flock(2) on an open descriptor. Blocks the calling thread unless LOCK_NB is given, in which
 * case a held lock throws EWOULDBLOCK (EAGAIN on Linux). EINTR is retried.
 */
export function flock(fd: number, operation: number, context?: string): void {
  for (;;) {
    try {
      check(libc().flock(fd, operation), 'flock', context);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EINTR') throw err;
    }
  }
}
