/**
 * Raised when a request collides with what the cluster already has (a VNI another network holds):
 * the API answers 409, the request changed nothing.
 */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
