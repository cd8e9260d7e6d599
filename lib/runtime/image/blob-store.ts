/**
 * Content-addressed blobs: `<dir>/sha256/<hex>`, as an OCI layout keeps them. The image store keeps
 * every image's manifest, config and layer blobs as they came (compressed or not), so `save` and
 * `push` give back the very bytes that were loaded or pulled, and a layer's registry digest stays
 * what its manifest says. A blob is written under a temp name, verified while it streams, fsynced
 * and renamed into place: a name in `sha256/` always holds exactly the bytes it names.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ImageError, errCode } from './image-error';
import { digestHex, digester } from './oci';
import { makeDirsAsync } from '../../sys';

/** What a caller knows of a blob before reading it. */
export interface BlobExpectation {
  readonly digest?: string;
  readonly size?: number;
}

/** A blob as stored. */
export interface StoredBlob {
  readonly digest: string;
  readonly size: number;
}

/** One directory of blobs: the store's, or a load's staging area. */
export class BlobStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Where blob `digest` lives (whether or not it is there). */
  path(digest: string): string {
    return join(this.dir, 'sha256', digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    return fs.access(this.path(digest)).then(() => true, () => false);
  }

  /** The blob's bytes as a stream (which fails with ENOENT when the blob is absent). */
  open(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  async read(digest: string, maxBytes = 4 << 20): Promise<Buffer> {
    const path = this.path(digest);
    const st = await fs.stat(path).catch((err: unknown) => {
      throw new ImageError(`blob ${digest}: ${errCode(err) === 'ENOENT' ? 'not in the image store' : (err as Error).message}`, errCode(err) === 'ENOENT' ? 'not-found' : 'io', { cause: err });
    });
    if (st.size > maxBytes) throw new ImageError(`blob ${digest}: ${st.size} bytes, more than the ${maxBytes} a JSON document may have`, 'invalid');
    return fs.readFile(path);
  }

  /**
   * Streams `source` into the store, hashing and counting as it goes; the blob lands under its
   * digest only when it matches `expect`. `what` names the source in errors.
   */
  async put(source: Readable, expect: BlobExpectation, what: string): Promise<StoredBlob> {
    if (expect.digest !== undefined) digestHex(expect.digest, `${what}: digest`);
    await makeDirsAsync(join(this.dir, 'sha256'), 0o700);
    const temp = join(this.dir, 'sha256', `.tmp-${randomBytes(8).toString('hex')}`);
    const file = await fs.open(temp, 'wx', 0o600);
    const { hash, digest } = digester();
    let size = 0;
    try {
      try {
        for await (const chunk of source as AsyncIterable<Buffer | string>) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += buf.length;
          if (expect.size !== undefined && size > expect.size) throw new ImageError(`${what}: more than the ${expect.size} bytes its descriptor says`, 'invalid');
          hash.update(buf);
          await file.write(buf);
        }
      } catch (err) {
        if (err instanceof ImageError) throw err;
        throw new ImageError(`${what}: ${(err as Error).message}`, 'invalid', { cause: err });
      }
      const got = digest();
      if (expect.size !== undefined && size !== expect.size) throw new ImageError(`${what}: ${size} bytes where its descriptor says ${expect.size}: truncated`, 'invalid');
      if (expect.digest !== undefined && got !== expect.digest) throw new ImageError(`${what}: digest mismatch: got ${got}, want ${expect.digest}`, 'invalid');
      await file.sync();
      await file.close();
      await fs.rename(temp, this.path(got));
      return { digest: got, size };
    } catch (err) {
      await file.close().catch(() => {});
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  /** Moves blob `digest` from `staging` into this store (kept as is when already here). */
  async adopt(staging: BlobStore, digest: string): Promise<void> {
    if (await this.has(digest)) return;
    await makeDirsAsync(join(this.dir, 'sha256'), 0o700);
    await fs.rename(staging.path(digest), this.path(digest));
  }

  /** Every stored digest. */
  async list(): Promise<string[]> {
    const names = await fs.readdir(join(this.dir, 'sha256')).catch((err: unknown) => (errCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Deletes blob `digest` and leftovers of interrupted writes; absent is fine. */
  async remove(digest: string): Promise<void> {
    await fs.rm(this.path(digest), { force: true });
  }
}
