/** The error every image operation throws for a condition it can name. */

/** Which kind of refusal: lets the CLI pick an exit status without matching text. */
export type ImageErrorKind = 'not-found' | 'invalid' | 'conflict' | 'io';

/**
 * An image operation refused or failed, with Docker's message where Docker has one
 * (`No such image: busybox:latest`, `invalid reference format`, `conflict: unable to ...`).
 */
export class ImageError extends Error {
  readonly kind: ImageErrorKind;

  constructor(message: string, kind: ImageErrorKind, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.kind = kind;
  }
}

/** Node's error code of `err` (ENOENT, EACCES, ...), if it has one. */
export function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
