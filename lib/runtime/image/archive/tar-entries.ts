/**
 * The members of an archive stream, one at a time, whatever compression wraps the whole tar (docker
 * load accepts a gzipped `docker save`; we sniff, because a pipe has no name to guess from).
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { ImageError } from '../image-error';

/** Compressions recognised by their magic bytes; only gzip is decompressed (zlib has it). */
const OTHER_MAGIC: readonly { readonly bytes: readonly number[]; readonly name: string }[] = [
  { bytes: [0x42, 0x5a, 0x68], name: 'bzip2' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], name: 'xz' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd' },
];
const GZIP = [0x1f, 0x8b];
const MAGIC_LEN = 6;

/** One member: its header and its content, which must be consumed (or drained) before the next. */
export interface TarMember {
  header: tar.Header;
  body: AsyncIterable<Buffer>;
}

const startsWith = (head: Buffer, bytes: readonly number[]): boolean =>
  head.length >= bytes.length && bytes.every((b, i) => head[i] === b);

/** The error to report for a failure of the input side (source, gunzip, tar parser). */
function inputError(err: unknown, what: string): Error {
  if (err instanceof ImageError) return err;
  const e = err as NodeJS.ErrnoException;
  const msg = String(e?.message ?? err);
  if (/Unexpected end of data|unexpected end of file/i.test(msg) || e?.code === 'Z_BUF_ERROR') {
    return new ImageError(`${what}: unexpected end of archive`, 'invalid', { cause: err });
  }
  if (/Invalid tar header|Header exceeds max size|Invalid header/i.test(msg)) {
    return new ImageError(`${what}: not a valid tar archive (${msg})`, 'invalid', { cause: err });
  }
  if (e?.code?.startsWith?.('Z_')) return new ImageError(`${what}: corrupt gzip stream (${msg})`, 'invalid', { cause: err });
  return new ImageError(`${what}: reading the archive: ${msg}`, 'io', { cause: err });
}

/**
 * Calls `onMember` for each member of the (possibly gzipped) tar stream `source`, in order, waiting
 * for each to finish. An error from `onMember` stops the read and is rethrown; an input failure is
 * reported as an ImageError naming `what` ("unexpected end of archive", "not a valid tar archive").
 */
export async function forEachMember(source: Readable, what: string, onMember: (m: TarMember) => Promise<void>): Promise<void> {
  const input = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let head: Buffer;
  try {
    head = await readHead(input);
  } catch (err) {
    throw inputError(err, what);
  }
  if (head.length === 0) throw new ImageError(`${what}: unexpected end of archive (it is empty)`, 'invalid');
  const other = OTHER_MAGIC.find((m) => startsWith(head, m.bytes));
  if (other) throw new ImageError(`${what}: the archive is ${other.name}-compressed: decompress it first (berth reads tar and gzipped tar)`, 'invalid');
  const extract = tar.extract();
  const stages: NodeJS.ReadWriteStream[] = startsWith(head, GZIP) ? [createGunzip()] : [];
  let inputFailure: unknown;
  // pipeline destroys every stage on a failure, the parser included: the loop below then ends.
  const feeding = (pipeline as (...streams: unknown[]) => Promise<void>)(Readable.from(rejoin(head, input), { objectMode: false }), ...stages, extract)
    .catch((err: unknown) => {
      inputFailure ??= err;
    });
  let memberFailed = false;
  try {
    for await (const entry of extract) {
      memberFailed = true;
      await onMember({ header: entry.header, body: entry as AsyncIterable<Buffer> });
      memberFailed = false;
    }
  } catch (err) {
    extract.destroy();
    // The source too: a read pending on an idle source (a stalled pipe) would keep pipeline waiting.
    source.destroy();
    await feeding;
    // A member's body fails with the parser's error: report the input's failure, not its echo.
    if (inputFailure !== undefined && !isPrematureClose(inputFailure)) throw inputError(inputFailure, what);
    throw memberFailed ? err : inputError(err, what);
  }
  await feeding;
  if (inputFailure !== undefined) throw inputError(inputFailure, what);
}

const isPrematureClose = (err: unknown): boolean => (err as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE';

/** At least enough of the stream to recognise a compression (less only when it ends sooner). */
async function readHead(input: AsyncIterator<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < MAGIC_LEN) {
    const next = await input.next();
    if (next.done) break;
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    length += chunk.length;
  }
  return Buffer.concat(chunks);
}

/** The stream again from its start: the head already read, then the rest. */
async function* rejoin(head: Buffer, input: AsyncIterator<Buffer | string>): AsyncGenerator<Buffer> {
  try {
    yield head;
    for (;;) {
      const next = await input.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  } finally {
    await input.return?.(); // closes the source when the read stops early
  }
}
