/** A namespace path that does not exist (the netns is gone). DEL treats this as "nothing to do". */
export class NetnsNotFoundError extends Error {
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super(`network namespace ${shortPath(path)} does not exist`, options);
    this.name = 'NetnsNotFoundError';
    this.path = path;
  }
}

/** A path that exists but is not a network namespace (a plain file, another namespace type). */
export class NotANetnsError extends Error {
  readonly path: string;
  constructor(path: string, what: string, options?: { cause?: unknown }) {
    super(`${shortPath(path)} is not a network namespace (${what})`, options);
    this.name = 'NotANetnsError';
    this.path = path;
  }
}

/** Paths longer than this are cut in messages (CNI_NETNS may be anything a runtime sends). */
const MAX_SHOWN = 200;

/** A path quoted for a message, its middle cut when long. */
export function shortPath(path: string): string {
  const q = JSON.stringify(path);
  return q.length <= MAX_SHOWN ? q : `${q.slice(0, MAX_SHOWN / 2)}...${q.slice(-MAX_SHOWN / 2)} (${Buffer.byteLength(path)} bytes)`;
}

/** True when `err` says the namespace is missing; lets callers avoid instanceof across bundles. */
export function isNetnsNotFound(err: unknown): err is NetnsNotFoundError {
  return err instanceof Error && err.name === 'NetnsNotFoundError';
}
