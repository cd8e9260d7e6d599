/**
 * A runtime-side failure that is not a plugin's own error: a configuration list that cannot be used, a
 * result cache that cannot be written, several GC failures at once. Plugin errors stay CniErrors
 * (with the plugin's code), so a caller can still tell "the plugin said no" from "we could not ask".
 */
export class CniRuntimeError extends Error {
  /** The file or label the problem was found in, when there is one. */
  readonly source: string | undefined;
  /** Every failure, when several were collected (GC continues on error, as libcni's does). */
  readonly errors: readonly Error[];

  constructor(message: string, opts: { source?: string; cause?: unknown; errors?: readonly Error[] } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CniRuntimeError';
    this.source = opts.source;
    this.errors = opts.errors ?? [];
  }
}
