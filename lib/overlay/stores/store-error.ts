/**
 * A store operation that failed for a reason outside the caller's input: the file cannot be read or
 * locked, etcd is unreachable, a stored value is malformed. It names the operation, the network and
 * where (file path or etcd key), and keeps the cause.
 */
export class StoreError extends Error {
  /** The store operation, e.g. "createLease". */
  readonly op: string;
  /** The overlay network, when the operation concerns one. */
  readonly network: string | undefined;
  /** The file path or etcd key involved. */
  readonly where: string | undefined;

  constructor(op: string, detail: string, opts: { network?: string; where?: string; cause?: unknown } = {}) {
    const subject = [opts.network === undefined ? undefined : `network ${JSON.stringify(opts.network)}`, opts.where].filter((s) => s !== undefined);
    const cause = opts.cause instanceof Error ? `: ${opts.cause.message}` : opts.cause === undefined ? '' : `: ${String(opts.cause)}`;
    super(`overlay store ${op}${subject.length > 0 ? ` (${subject.join(', ')})` : ''}: ${detail}${cause}`, { cause: opts.cause });
    this.name = 'StoreError';
    this.op = op;
    this.network = opts.network;
    this.where = opts.where;
  }
}
