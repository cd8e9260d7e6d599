/**
 * The uncompressed tar bytes of a layer blob. The compression is sniffed from the first bytes, not
 * taken from a media type: registries and `docker save` archives are known to mislabel layers, and
 * docker decides the same way (DetectCompression). gzip is decompressed; zstd, xz and bzip2 are
 * refused by name; anything else is read as a plain tar.
 */
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ImageError } from '../image-error';

/** Compressions berth recognises but does not unpack, by their magic bytes. */
const REFUSED: readonly { readonly name: string; readonly magic: readonly number[] }[] = [
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68] },
];
const GZIP_MAGIC = [0x1f, 0x8b];
const SNIFF_LENGTH = 6;

/** What the first bytes of a blob say it is. */
export function sniffCompression(head: Uint8Array): 'gzip' | 'tar' | string {
  const starts = (magic: readonly number[]) => magic.length <= head.length && magic.every((b, i) => head[i] === b);
  if (starts(GZIP_MAGIC)) return 'gzip';
  return REFUSED.find((c) => starts(c.magic))?.name ?? 'tar';
}

/**
 * The tar bytes of `source`, uncompressed, chunk by chunk. Ending the iteration early (return())
 * destroys the source. Errors are ImageErrors: 'io' for the source's own, 'invalid' for bad gzip.
 */
export async function* tarBytes(source: Readable): AsyncGenerator<Buffer, void, undefined> {
  const input = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  try {
    const head: Buffer[] = [];
    let headLength = 0;
    while (headLength < SNIFF_LENGTH) {
      const chunk = await readSource(input);
      if (chunk === undefined) break;
      head.push(chunk);
      headLength += chunk.length;
    }
    const compression = sniffCompression(Buffer.concat(head));
    const raw = async function* (): AsyncGenerator<Buffer> {
      yield* head;
      for (let chunk = await readSource(input); chunk !== undefined; chunk = await readSource(input)) yield chunk;
    };
    if (compression === 'tar') {
      yield* raw();
    } else if (compression === 'gzip') {
      yield* gunzipped(Readable.from(raw(), { objectMode: false }));
    } else {
      throw new ImageError(`${compression}-compressed layers are not supported (only plain tar and gzip)`, 'invalid');
    }
  } finally {
    await input.return?.().catch(() => {});
    source.destroy();
  }
}

async function* gunzipped(compressed: Readable): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  // The callback keeps pipeline's error from being unhandled; the iteration below sees the same error.
  pipeline(compressed, gunzip, () => {});
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'Z_BUF_ERROR') throw new ImageError('unexpected end of archive (truncated gzip stream)', 'invalid', { cause: err });
    throw new ImageError(`not a valid gzip stream (${(err as Error).message})`, 'invalid', { cause: err });
  } finally {
    gunzip.destroy();
    compressed.destroy();
  }
}

async function readSource(input: AsyncIterator<Buffer | string>): Promise<Buffer | undefined> {
  let next: IteratorResult<Buffer | string>;
  try {
    next = await input.next();
  } catch (err) {
    throw new ImageError(`cannot read: ${(err as Error).message}`, 'io', { cause: err });
  }
  if (next.done) return undefined;
  return typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
}
