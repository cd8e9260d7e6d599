import { constants } from 'node:os';
import { koffi } from './libc';

/** errno values by name for this OS (Node's table: no native module needed to name an error). */
export const ERRNO: Readonly<Record<string, number>> = constants.errno;

/** Where two names share a value, the one the kernel headers and iproute2 use. */
const PREFERRED_ALIASES = ['EAGAIN', 'EOPNOTSUPP', 'EDEADLK'];

/** errno number → uapi name (EEXIST, ENOENT, ...). */
const ERRNO_NAMES: ReadonlyMap<number, string> = new Map(
  [...Object.entries(ERRNO), ...PREFERRED_ALIASES.map((n) => [n, ERRNO[n]] as const)].map(([name, value]) => [value, name] as const),
);

/** The uapi name of an errno value, or `E<number>` when the table does not know it. */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}


/**
 * A failed system call: carries the errno value and name, the syscall and what it was acting on.
 * Shaped like Node's SystemError (`code`, `errno`, `syscall`, `path`) so callers can treat both alike.
 */
export class SysError extends Error {
  /** The errno name, e.g. `EEXIST`. */
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  /** What the call acted on (a path, a namespace, a socket), when known. */
  readonly context: string | undefined;

  constructor(syscall: string, errno: number, context?: string) {
    const code = errnoName(errno);
    super(`${syscall}${context ? ` ${context}` : ''}: ${code} (${describe(errno)})`);
    this.name = 'SysError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    this.context = context;
  }
}

/** True when `err` is a SysError (or a Node SystemError) with the given errno name. */
export function hasErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/**
 * Returns `rc` when the call succeeded, else throws a SysError built from the live errno.
 * koffi.errno() reads the thread-local errno as it is *now*: this must run right after the call,
 * before any other libc use (a console.log in between was seen to turn EBADF into ENOTTY).
 */
export function check<T extends number | bigint>(rc: T, syscall: string, context?: string): T {
  if (rc < 0) throw new SysError(syscall, koffi().errno(), context);
  return rc;
}

function describe(errno: number): string {
  // os.constants has no message table; util.getSystemErrorMessage is Node 22+. Keep a short fallback.
  return MESSAGES[errnoName(errno)] ?? 'system error';
}

const MESSAGES: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  EINTR: 'interrupted system call',
  EIO: 'input/output error',
  EBADF: 'bad file descriptor',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EACCES: 'permission denied',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  ENODEV: 'no such device',
  ENOTDIR: 'not a directory',
  EINVAL: 'invalid argument',
  ENOSPC: 'no space left on device',
  ENOTTY: 'inappropriate ioctl for device',
  ERANGE: 'numerical result out of range',
  EWOULDBLOCK: 'operation would block',
  EOPNOTSUPP: 'operation not supported',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ENETUNREACH: 'network is unreachable',
  ENOBUFS: 'no buffer space available',
  ETIMEDOUT: 'connection timed out',
  ESRCH: 'no such process',
  ENOTSUP: 'operation not supported',
  EPROTONOSUPPORT: 'protocol not supported',
  EAFNOSUPPORT: 'address family not supported by protocol',
  EMSGSIZE: 'message too long',
  ENOLCK: 'no locks available',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EISDIR: 'is a directory',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
};
