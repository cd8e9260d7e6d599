/** A namespace path that does not exist (the netns is gone). DEL treats this as "nothing to do". */
export class NetnsNotFoundError extends Error {
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super(`network namespace ${JSON.stringify(path)} does not exist`, options);
    this.name = 'NetnsNotFoundError';
    this.path = path;
  }
}

/** A path that exists but is not a network namespace (a plain file, another namespace type). */
export class NotANetnsError extends Error {
  readonly path: string;
  constructor(path: string, what: string, options?: { cause?: unknown }) {
    super(`${JSON.stringify(path)} is not a network namespace (${what})`, options);
    this.name = 'NotANetnsError';
    this.path = path;
  }
}

/** True when `err` says the namespace is missing; lets callers avoid instanceof across bundles. */
export function isNetnsNotFound(err: unknown): err is NetnsNotFoundError {
  return err instanceof Error && err.name === 'NetnsNotFoundError';
}
