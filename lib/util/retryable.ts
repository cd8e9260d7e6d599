/**
 * The neutral "worth retrying" marker (a held lock, a busy device, an interrupted dump): set where the
 * failure is understood (lib/firewall, on a held xtables lock), read where it is decided (the CNI
 * boundary turns marked errors into code 11, try again later). It is a registered symbol, so errors
 * built elsewhere can carry it too: `err[Symbol.for('berth.retryable')] = true`; a plain
 * `retryable: true` property counts as well.
 */
export const kRetryable: unique symbol = Symbol.for('berth.retryable');

/** errno names that mean "try again" by definition (EWOULDBLOCK is EAGAIN on Linux; flock LOCK_NB). */
const RETRYABLE_ERRNO = new Set(['EAGAIN', 'EWOULDBLOCK']);

/** Marks an error as worth retrying and returns it, for `throw markRetryable(new Error('...'))`. */
export function markRetryable<E extends object>(err: E): E {
  (err as Record<symbol, unknown>)[kRetryable] = true;
  return err;
}

/**
 * True when this error (not its causes) is marked retryable, or is a system error whose errno says
 * "try again" (EAGAIN/EWOULDBLOCK).
 */
export function isRetryable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Record<PropertyKey, unknown>;
  if (e[kRetryable] === true || e.retryable === true) return true;
  return typeof e.syscall === 'string' && typeof e.code === 'string' && RETRYABLE_ERRNO.has(e.code);
}
