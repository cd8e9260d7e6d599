/**
 * Generic helpers with no domain of their own: an undo stack, best-effort steps that collect their
 * failures, and the "worth retrying" marker on errors.
 */
export { UndoStack } from './undo-stack';
export { BestEffort } from './best-effort';
export { kRetryable, markRetryable, isRetryable } from './retryable';
