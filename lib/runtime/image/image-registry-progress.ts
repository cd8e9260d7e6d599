/**
 * What a pull or push reports per blob as it goes, in Docker's words (the CLI draws them:
 * cmd/berth/cli/pull-progress.ts). `id` is the blob's short digest, as `docker pull` prints it.
 */
export type TransferStatus =
  | 'Pulling fs layer' | 'Waiting' | 'Downloading' | 'Download complete' | 'Already exists' | 'Extracting' | 'Pull complete'
  | 'Preparing' | 'Pushing' | 'Pushed' | 'Layer already exists';

/** One report. */
export interface TransferEvent {
  readonly id: string;
  readonly status: TransferStatus;
  /** Bytes done and in all, for Downloading and Pushing. */
  readonly current?: number;
  readonly total?: number;
}

/** The short id of a blob digest: its first 12 hex digits. */
export const shortDigest = (digest: string): string => digest.replace(/^sha256:/, '').slice(0, 12);
