/**
 * Generic helpers with no domain of their own: an undo stack, best-effort steps that collect their
 * failures, the "worth retrying" marker on errors, and the phase clock bench/ reads.
 */
export { UndoStack } from './undo-stack';
export { BestEffort } from './best-effort';
export { kRetryable, markRetryable, isRetryable } from './retryable';
export { phase, markLoaded } from './phase-clock';
