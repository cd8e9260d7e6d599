/**
 * Downloading an image's blobs a few at a time into one directory: `<dir>/<hex>.partial` while it
 * comes (kept across interruptions, resumed next time), renamed to `<dir>/<hex>` once its size and
 * digest are verified, so a file named by its digest is always complete. The caller owns `dir` for
 * the duration (two pulls writing one partial file would corrupt it): the image store's lock or a
 * directory of its own.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type Descriptor, digestHex } from '../oci';
import { type RegistryClient } from './registry-client';

/** Where a blob is: `exists` (complete from before), `waiting`, `downloading`, `complete`. */
export type BlobPhase = 'exists' | 'waiting' | 'downloading' | 'complete';

/** Options of {@link pullBlobs}. */
export interface PullBlobsOptions {
  /** Downloads at a time (default 3, Docker's max-concurrent-downloads). */
  concurrency?: number;
  onProgress?: (digest: string, done: number, total: number, phase: BlobPhase) => void;
  /** Per blob: resumptions of a dropped connection (default 3). */
  retries?: number;
}

/**
 * Fetches every blob of `descs` (duplicates once) not already complete in `dir`; resolves with
 * their paths in `descs`' order. On a failure no new download starts, those running finish (their
 * partial files stay for the next attempt) and the first error is thrown.
 */
export async function pullBlobs(client: RegistryClient, repository: string, descs: readonly Descriptor[], dir: string, opts: PullBlobsOptions = {}): Promise<string[]> {
  const report = opts.onProgress ?? (() => undefined);
  const unique = [...new Map(descs.map((d) => [d.digest, d])).values()];
  const queue: Descriptor[] = [];
  for (const desc of unique) {
    const st = await fs.stat(join(dir, digestHex(desc.digest))).catch(() => undefined);
    if (st?.isFile() && st.size === desc.size) report(desc.digest, desc.size, desc.size, 'exists');
    else {
      queue.push(desc);
      report(desc.digest, 0, desc.size, 'waiting');
    }
  }
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (let desc = queue.shift(); desc !== undefined && failure === undefined; desc = queue.shift()) {
      const final = join(dir, digestHex(desc.digest));
      const d = desc;
      try {
        await client.downloadBlob(repository, d, `${final}.partial`, (done, total) => report(d.digest, done, total, 'downloading'), opts.retries === undefined ? {} : { retries: opts.retries });
        await fs.rename(`${final}.partial`, final);
        report(d.digest, d.size, d.size, 'complete');
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 3, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) throw failure.err;
  return descs.map((d) => join(dir, digestHex(d.digest)));
}
