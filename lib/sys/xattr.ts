/**
 * Extended attributes of a path itself, never of what a symlink points to (the l* calls): a layer's
 * xattrs (security.capability, user.*, trusted.overlay.opaque) belong to the entry they are set on.
 * Paths are strings or raw bytes (a layer's names need not be UTF-8); values are bytes.
 */
import { koffi, libc } from './libc';
import { ERRNO, SysError, check } from './errno';

const NUL = Buffer.alloc(1);

/** A path as the C calls take it: its bytes and a terminating NUL. */
function cPath(path: string | Buffer): Buffer {
  return Buffer.concat([typeof path === 'string' ? Buffer.from(path) : path, NUL]);
}

/** lsetxattr(2), creating or replacing the attribute. Equivalent to `setfattr -h -n name -v value path`. */
export function lsetxattr(path: string | Buffer, name: string, value: Uint8Array): void {
  check(libc().lsetxattr(cPath(path), name, value, value.length, 0), 'lsetxattr', `${name} on ${String(path)}`);
}

/** lgetxattr(2): the value, or undefined when the entry has no such attribute (ENODATA) or the filesystem none. */
export function lgetxattr(path: string | Buffer, name: string): Buffer | undefined {
  const p = cPath(path);
  for (;;) {
    const size = Number(libc().lgetxattr(p, name, null, 0));
    if (size < 0) return failed('lgetxattr', path, [ERRNO.ENODATA!, ERRNO.ENOTSUP!, ERRNO.EOPNOTSUPP!], undefined);
    const value = Buffer.alloc(size);
    const got = Number(libc().lgetxattr(p, name, value, size));
    if (got >= 0) return value.subarray(0, got);
    // ERANGE: the value grew between the two calls; ask for its size again.
    if (koffi().errno() !== ERRNO.ERANGE) return failed('lgetxattr', path, [ERRNO.ENODATA!], undefined);
  }
}

/** llistxattr(2): the attribute names of the entry, in the filesystem's order; none where unsupported. */
export function llistxattr(path: string | Buffer): string[] {
  const p = cPath(path);
  for (;;) {
    const size = Number(libc().llistxattr(p, null, 0));
    if (size < 0) return failed('llistxattr', path, [ERRNO.ENOTSUP!, ERRNO.EOPNOTSUPP!], []);
    if (size === 0) return [];
    const list = Buffer.alloc(size);
    const got = Number(libc().llistxattr(p, list, size));
    if (got >= 0) return list.subarray(0, got).toString('utf8').split('\0').filter((n) => n !== '');
    if (koffi().errno() !== ERRNO.ERANGE) return failed('llistxattr', path, [], []);
  }
}

/** Reads errno (first thing after the failed call): `fallback` for the errnos that are an answer, else throws. */
function failed<T>(syscall: string, path: string | Buffer, answers: number[], fallback: T): T {
  const errno = koffi().errno();
  if (answers.includes(errno)) return fallback;
  throw new SysError(syscall, errno, String(path));
}
