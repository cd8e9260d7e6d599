/** The error every image operation throws for a condition it can name. */
import { RuntimeError } from '../errors';

export { errCode } from '../errors';

/** Which kind of refusal: lets the CLI pick an exit status without matching text. */
export type ImageErrorKind =
  | 'not-found'
  | 'invalid'
  | 'conflict'
  | 'io'
  /** A registry refused the credentials or the access (401, 403), or plain HTTP to a secure one. */
  | 'forbidden'
  /** A registry could not be reached or failed (connection refused, timeout, TLS, 5xx). */
  | 'unavailable';

/**
 * An image operation refused or failed, with Docker's message where Docker has one
 * (`No such image: busybox:latest`, `invalid reference format`, `conflict: unable to ...`).
 */
export class ImageError extends RuntimeError<ImageErrorKind> {
  constructor(message: string, kind: ImageErrorKind, options?: { cause?: unknown }) {
    super(message, kind, options);
    this.name = 'ImageError';
  }
}
