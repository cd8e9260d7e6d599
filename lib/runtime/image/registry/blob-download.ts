/**
 * A blob download that survives interruptions: the bytes go to a partial file, and a later call (or
 * the retry of a dropped connection) hashes what is there and asks only for the rest with
 * `Range: bytes=N-`. A server that ignores the range (200) or refuses it (416) gets the whole blob
 * again. The size and digest are checked at the end; a mismatch deletes the partial file, after one
 * fresh download when the partial was inherited (it may be what was corrupt).
 */
import { createReadStream, promises as fs } from 'node:fs';
import { type Descriptor, digestHex, digester } from '../oci';
import { ImageError } from '../image-error';
import { type HttpResponse } from './http-transport';
import { repositoryScope } from './registry-auth';
import { readFailure } from './registry-errors';
import { type RegistryClient } from './registry-client';

/** Options of a download. */
export interface DownloadOptions {
  onProgress?: (done: number, total: number) => void;
  /** How many times a dropped connection is resumed before giving up (default 3). */
  retries?: number;
}

/** What has been received so far: its length and running hash. */
interface Partial {
  size: number;
  hash: ReturnType<typeof digester>;
}

/** Downloads `desc` from `repository` into `partialPath` (see the module comment). */
export async function downloadBlob(client: RegistryClient, repository: string, desc: Descriptor, partialPath: string, opts: DownloadOptions = {}): Promise<void> {
  digestHex(desc.digest);
  if (!Number.isSafeInteger(desc.size) || desc.size < 0) throw new ImageError(`blob ${desc.digest}: invalid size ${desc.size}`, 'invalid');
  let partial = await hashExisting(partialPath, desc.size);
  let inherited = partial.size > 0;
  for (;;) {
    await receive(client, repository, desc, partialPath, partial, opts);
    const digest = partial.hash.digest();
    if (digest === desc.digest) return;
    await fs.rm(partialPath, { force: true });
    if (!inherited) {
      throw new ImageError(`filesystem layer verification failed for digest ${desc.digest}: the registry sent content with digest ${digest}`, 'invalid');
    }
    // The bytes kept from before were the bad ones, or the new: only a clean download can tell.
    inherited = false;
    partial = { size: 0, hash: digester() };
  }
}

/** Fetches the rest of the blob into the partial file, resuming after dropped connections. */
async function receive(client: RegistryClient, repository: string, desc: Descriptor, path: string, partial: Partial, opts: DownloadOptions): Promise<void> {
  const retries = opts.retries ?? 3;
  opts.onProgress?.(partial.size, desc.size);
  for (let failures = 0; partial.size < desc.size; ) {
    try {
      await fetchRest(client, repository, desc, path, partial, opts);
    } catch (err) {
      if (!(err instanceof ImageError && err.kind === 'unavailable') || failures >= retries) throw err;
      failures++;
    }
  }
  if (desc.size === 0) await fs.writeFile(path, '');
}

async function fetchRest(client: RegistryClient, repository: string, desc: Descriptor, path: string, partial: Partial, opts: DownloadOptions): Promise<void> {
  const from = partial.size;
  const res = await client.request({
    method: 'GET',
    path: `/v2/${repository}/blobs/${desc.digest}`,
    headers: from > 0 ? { range: `bytes=${from}-` } : {},
    scope: repositoryScope(repository),
    followRedirects: true,
  });
  if (res.status === 416) {
    // The registry will not serve that range (it thinks the blob is shorter): start over.
    res.body.resume();
    await restart(path, partial);
    throw new ImageError(`blob ${desc.digest}: range not satisfiable, downloading it whole`, 'unavailable');
  }
  if (res.status === 200 && from > 0) await restart(path, partial); // the range was ignored
  else if (res.status === 206) checkContentRange(res, from, desc);
  else if (res.status !== 200) {
    const failure = await readFailure(res);
    const name = `${client.registry}/${repository}`;
    if (res.status === 404) throw new ImageError(`blob ${desc.digest} not found in ${name}: ${failure.text}`, 'not-found');
    throw client.pullError(failure, `${name}@${desc.digest}`, name);
  }
  const file = await fs.open(path, partial.size === 0 ? 'w' : 'a', 0o600);
  try {
    await consume(res, desc, async (buf) => {
      if (partial.size + buf.length > desc.size) throw new ImageError(`blob ${desc.digest}: the registry sent more than its ${desc.size} bytes`, 'invalid');
      await file.write(buf);
      partial.hash.hash.update(buf);
      partial.size += buf.length;
      opts.onProgress?.(partial.size, desc.size);
    });
    await file.sync();
  } finally {
    await file.close();
  }
  if (partial.size < desc.size) throw new ImageError(`blob ${desc.digest}: connection closed after ${partial.size} of ${desc.size} bytes`, 'unavailable');
}

/**
 * Feeds the body to `write` chunk by chunk, in order, and settles once every chunk received was
 * written. The body flows (paused only while writes lag), because a dropped connection destroys the
 * stream and with it whatever it still buffered: flowing, every byte that arrived gets kept for the
 * resume. A dropped connection rejects with a retriable error.
 */
function consume(res: HttpResponse, desc: Descriptor, write: (buf: Buffer) => Promise<void>): Promise<void> {
  const body = res.body;
  return new Promise((resolve, reject) => {
    let chain = Promise.resolve();
    let pending = 0;
    let ended = false;
    let dropped: Error | undefined;
    body.on('data', (buf: Buffer) => {
      if (++pending > 8) body.pause();
      chain = chain.then(async () => {
        await write(buf);
        if (--pending <= 2) body.resume();
      });
      chain.catch(() => body.destroy());
    });
    body.once('end', () => (ended = true));
    body.once('error', (err) => (dropped = err));
    body.once('close', () => {
      chain.then(() => {
        if (ended) resolve();
        else reject(new ImageError(`blob ${desc.digest}: download interrupted: ${dropped?.message ?? 'connection closed'}`, 'unavailable', { cause: dropped }));
      }, reject);
    });
  });
}

/** A 206 must start where the partial file ends, or appending would corrupt it. */
function checkContentRange(res: HttpResponse, from: number, desc: Descriptor): void {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
  if (m === null || Number(m[1]) !== from) {
    res.body.destroy();
    throw new ImageError(`blob ${desc.digest}: asked for bytes from ${from}, the registry answered ${JSON.stringify(res.headers['content-range'] ?? '')}`, 'invalid');
  }
}

async function restart(path: string, partial: Partial): Promise<void> {
  await fs.rm(path, { force: true });
  partial.size = 0;
  partial.hash = digester();
}

/** The partial file's length and hash; a file longer than the blob is no partial of it and goes. */
async function hashExisting(path: string, size: number): Promise<Partial> {
  const hash = digester();
  const st = await fs.stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (st === undefined) return { size: 0, hash };
  if (!st.isFile() || st.size > size) {
    await fs.rm(path, { force: true });
    return { size: 0, hash };
  }
  let read = 0;
  for await (const chunk of createReadStream(path)) {
    hash.hash.update(chunk as Buffer);
    read += (chunk as Buffer).length;
  }
  return { size: read, hash };
}
