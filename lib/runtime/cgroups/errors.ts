/**
 * Errors of the cgroup managers. They carry the flag, file and cause so the CLI boundary can print a
 * Docker-like message without parsing strings.
 */
import { RuntimeError } from '../errors';

/** A resource value the user asked for is invalid; `flag` is the `berth run` flag that set it. */
export class ResourceError extends RuntimeError<'invalid-limit'> {
  readonly flag: string;
  constructor(flag: string, message: string) {
    super(`invalid ${flag}: ${message}`, 'invalid-limit');
    this.name = 'ResourceError';
    this.flag = flag;
  }
}

/** A resource this host's cgroup hierarchy cannot enforce (controller not mounted, v2 without eBPF). */
export class CgroupUnsupportedError extends RuntimeError<'unsupported'> {
  readonly flag: string;
  constructor(flag: string, why: string) {
    super(`${flag} is not supported on this host: ${why}`, 'unsupported');
    this.name = 'CgroupUnsupportedError';
    this.flag = flag;
  }
}

/** A cgroupfs operation failed; `code` is the errno name of the cause (EBUSY, EINVAL, ...). */
export class CgroupError extends Error {
  readonly op: string;
  readonly path: string;
  readonly code: string | undefined;
  constructor(op: string, path: string, detail: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(`cgroup ${op} ${path}${detail ? ` ${detail}` : ''}: ${code ?? String(cause)}`, { cause });
    this.name = 'CgroupError';
    this.op = op;
    this.path = path;
    this.code = code;
  }
}

/** True when `err` is a {@link CgroupError} (or a raw fs error) with errno name `code`. */
export function hasCgroupCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
