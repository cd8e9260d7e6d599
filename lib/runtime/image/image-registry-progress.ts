/**
 * What a pull or push reports per blob as it goes (the CLI draws it in Docker's words:
 * cmd/berth/cli/pull-progress.ts). `id` is the blob's digest.
 */
export type TransferPhase =
  | 'waiting' | 'pulling' | 'downloading' | 'verifying' | 'download-complete' | 'extracting' | 'pull-complete' | 'exists'
  | 'preparing' | 'pushing' | 'pushed' | 'layer-exists' | 'retrying';

/** One change of one blob: its digest, phase, and bytes so far of how many. */
export interface TransferEvent {
  readonly id: string;
  readonly phase: TransferPhase;
  readonly current?: number;
  readonly total?: number;
}
