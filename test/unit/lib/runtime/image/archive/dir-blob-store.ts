// A BlobSink backed by a temporary directory, as the image store's staging is: each blob is written
// to a temporary file while its sha256 and size are computed, checked against what was expected,
// and renamed to its digest. Tests read blobs back through open().
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobSink } from '../../../../../../lib/runtime/image/archive';
import { ImageError } from '../../../../../../lib/runtime/image/image-error';

export class DirBlobStore implements BlobSink {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-archive-'));
  private seq = 0;
  /** The `what` of every put, in order. */
  readonly puts: string[] = [];

  async put(stream: Readable, expect: { digest?: string; size?: number }, what: string): Promise<{ digest: string; size: number }> {
    this.puts.push(what);
    const hash = createHash('sha256');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const tmp = join(this.dir, `.tmp-${this.seq++}`);
    // Opened before the pipeline: a stream still opening when the pipeline fails would create the
    // file after the cleanup below (and race the test's removal of the directory).
    const out = createWriteStream(tmp);
    await once(out, 'open');
    try {
      await pipeline(stream, count, out);
      const digest = `sha256:${hash.digest('hex')}`;
      if (expect.size !== undefined && size !== expect.size) throw new ImageError(`${what}: blob ${expect.digest ?? digest} size mismatch: ${size} bytes, want ${expect.size}`, 'invalid');
      if (expect.digest !== undefined && digest !== expect.digest) throw new ImageError(`${what}: blob ${expect.digest} digest mismatch: content is ${digest}`, 'invalid');
      renameSync(tmp, join(this.dir, digest.slice(7)));
      return { digest, size };
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  has(digest: string): boolean {
    return existsSync(join(this.dir, digest.slice(7)));
  }

  digests(): string[] {
    return readdirSync(this.dir).filter((f) => !f.startsWith('.')).map((h) => `sha256:${h}`).sort();
  }

  open = (digest: string): Readable => createReadStream(join(this.dir, digest.slice(7)));

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
