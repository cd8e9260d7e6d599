/**
 * Docker's HasBeenManuallyStopped: a file in the container's directory that `stop` and `kill` write
 * before they signal, and a manual `start`/`restart` removes. A file rather than a state field: the
 * supervisor writes state.json from its own copy, and would overwrite a flag set by another process
 * between its read and its write; a file set here is seen by the supervisor at the exit it causes,
 * and it survives the host going down, which is what `unless-stopped` needs at boot.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const markerOf = (containerDir: string): string => join(containerDir, 'manually-stopped');

/** Records that a user stopped the container (before the signal that stops it). */
export function markManuallyStopped(containerDir: string): void {
  writeFileSync(markerOf(containerDir), '', { mode: 0o600 });
}

/** Clears the mark: a manual start. */
export function clearManualStop(containerDir: string): void {
  rmSync(markerOf(containerDir), { force: true });
}

/** Whether a user stopped the container since its last manual start. */
export function isManuallyStopped(containerDir: string): boolean {
  return existsSync(markerOf(containerDir));
}
