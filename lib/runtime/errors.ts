/**
 * The one base of the errors the runtime throws for a condition it can name: a container, image,
 * network or volume not found, a name taken, a request refused, a limit this host cannot enforce.
 * Each carries a `kind`, so that the CLI maps errors to Docker's wording and exit status in one table
 * (cmd/berth/cli/errors.ts) instead of matching class names or message text. Anything else a runtime
 * operation throws (an errno from the filesystem, a bug) is not a RuntimeError and is reported as
 * unexpected.
 */

/** Which condition a runtime error names. */
export type RuntimeErrorKind =
  /** No such container, image, network or volume. */
  | 'not-found'
  /** A name taken, an ambiguous prefix, an image still used. */
  | 'conflict'
  /** A request Docker's daemon would refuse (a bad name, a bad mount spec, no command). */
  | 'invalid'
  /** Allowed for no one (removing a built-in network). */
  | 'forbidden'
  /** Still used (a volume mounted, a network with endpoints). */
  | 'in-use'
  /** A service the operation needs is down (berthd). */
  | 'unavailable'
  /** The store could not be read or written as the operation needed. */
  | 'io'
  /** A resource limit given on the command line is out of range (`--memory 1`). */
  | 'invalid-limit'
  /** This host cannot enforce what was asked (a cgroup controller it does not have). */
  | 'unsupported';

/** A runtime refusal or failure of a kind the CLI knows how to report. */
export class RuntimeError<K extends RuntimeErrorKind = RuntimeErrorKind> extends Error {
  readonly kind: K;

  constructor(message: string, kind: K, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.kind = kind;
  }
}

/** Node's errno name of `err` (ENOENT, EACCES, ...), if it has one. */
export function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for "no such file or directory": the one failure a listing or lookup may take for "absent". */
export function isNotFound(err: unknown): boolean {
  return errCode(err) === 'ENOENT';
}
