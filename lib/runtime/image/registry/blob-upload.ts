/**
 * A blob upload by the distribution spec's session protocol: POST /v2/<name>/blobs/uploads/ opens a
 * session at the returned Location; the bytes go in one streamed PATCH, or in PATCHes of `chunkSize`
 * with `Content-Range: <start>-<end>`, each answered with the next Location; PUT <location>?digest=
 * closes it, and the registry checks the digest. Every Location is resolved against the URL that
 * sent it (registries answer with relative and absolute ones).
 */
import { createReadStream, promises as fs } from 'node:fs';
import { Transform } from 'node:stream';
import { type Descriptor, digestHex } from '../oci';
import { ImageError } from '../image-error';
import { type HttpResponse } from './http-transport';
import { repositoryScope } from './registry-auth';
import { readFailure } from './registry-errors';
import { type RegistryClient } from './registry-client';

/** Options of an upload. */
export interface UploadOptions {
  onProgress?: (done: number, total: number) => void;
  /** Send the blob in PATCHes of this many bytes (default: one PATCH of the whole blob). */
  chunkSize?: number;
}

/** Uploads the file at `path`, which must be `desc`'s exact bytes, to `repository`. */
export async function uploadBlob(client: RegistryClient, repository: string, desc: Descriptor, path: string, opts: UploadOptions = {}): Promise<void> {
  digestHex(desc.digest);
  const st = await fs.stat(path);
  if (st.size !== desc.size) throw new ImageError(`blob ${desc.digest}: ${path} has ${st.size} bytes, the descriptor says ${desc.size}`, 'invalid');
  const scope = repositoryScope(repository, true);
  const opened = await client.request({ method: 'POST', path: `/v2/${repository}/blobs/uploads/`, headers: { 'content-length': '0' }, body: Buffer.alloc(0), scope });
  let location = await nextLocation(client, opened, 202, repository);
  const chunk = opts.chunkSize !== undefined && opts.chunkSize > 0 ? opts.chunkSize : Math.max(desc.size, 1);
  let sent = 0;
  opts.onProgress?.(0, desc.size);
  for (let start = 0; start < desc.size; start += chunk) {
    const end = Math.min(start + chunk, desc.size) - 1;
    const res = await client.request({
      method: 'PATCH',
      url: location,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `${start}-${end}` },
      body: () => {
        const base = sent;
        const file = createReadStream(path, { start, end });
        const counted = counter((n) => opts.onProgress?.((sent = base + n), desc.size));
        file.on('error', (err) => counted.destroy(err));
        return file.pipe(counted);
      },
      scope,
    });
    location = await nextLocation(client, res, 202, repository);
  }
  location.searchParams.set('digest', desc.digest);
  const done = await client.request({ method: 'PUT', url: location, headers: { 'content-length': '0' }, body: Buffer.alloc(0), scope });
  if (done.status !== 201) throw client.pushError(await readFailure(done), repository);
  done.body.resume();
  opts.onProgress?.(desc.size, desc.size);
}

/** The Location of an upload session's answer, or the registry's error. */
async function nextLocation(client: RegistryClient, res: HttpResponse, status: number, repository: string): Promise<URL> {
  if (res.status !== status) throw client.pushError(await readFailure(res), repository);
  res.body.resume();
  const location = res.headers.location;
  if (location === undefined) throw new ImageError(`the registry answered the blob upload without a Location`, 'unavailable');
  return new URL(location, res.url);
}

/** A pass-through stream reporting how many bytes went through it. */
function counter(report: (n: number) => void): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      report(n);
      cb(null, chunk);
    },
  });
}
