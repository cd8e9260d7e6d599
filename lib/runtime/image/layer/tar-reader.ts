/**
 * A pull reader of a tar stream: entries one at a time, each with its PAX records applied (path,
 * linkpath, size, uid, gid, mtime, xattrs) and GNU long names resolved, its body read in chunks.
 * Every byte of the source passes through `onBytes` (the layer's diff ID is their digest), the bytes
 * after the end-of-archive marker included: {@link TarReader.drain} reads them.
 */
import { ImageError } from '../image-error';
import { BLOCK, decodeHeader, parsePaxRecords, type TarHeader } from './tar-header';

/** One member: its header (PAX and GNU long names applied) and its PAX records. */
export interface TarEntry {
  header: TarHeader;
  /** The member's PAX records (`SCHILY.xattr.<name>` among them), values as bytes. */
  pax: Map<string, Buffer>;
}

/** Types with no data, whatever their size field says (Go's isHeaderOnlyType). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
/** Bound on a PAX or GNU long-name entry (Go's maxSpecialFileSize): the rest is buffered in memory. */
const MAX_META = 1 << 20;

/** Raised for a stream that is not a well-formed tar; unpackLayer names the layer in front. */
function invalid(message: string): ImageError {
  return new ImageError(message, 'invalid');
}

/** Exact reads over an async iterator of chunks. */
class Bytes {
  private buffered: Buffer[] = [];
  private length = 0;
  private done = false;
  private readonly chunks: AsyncIterator<Buffer>;
  private readonly onBytes: (chunk: Buffer) => void;

  constructor(chunks: AsyncIterator<Buffer>, onBytes: (chunk: Buffer) => void) {
    this.chunks = chunks;
    this.onBytes = onBytes;
  }

  /** Waits for at least one more chunk; false at the end of the source. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.chunks.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = next.value;
    this.onBytes(chunk);
    if (chunk.length > 0) {
      this.buffered.push(chunk);
      this.length += chunk.length;
    }
    return true;
  }

  /** Exactly `n` bytes; undefined when the source ends cleanly first (no byte of them read). */
  async exact(n: number): Promise<Buffer | undefined> {
    while (this.length < n) {
      if (!(await this.fill())) {
        if (this.length === 0) return undefined;
        throw invalid('unexpected end of archive');
      }
    }
    return this.take(n);
  }

  /** Between 1 and `max` bytes, as they come. */
  async some(max: number): Promise<Buffer> {
    while (this.length === 0) if (!(await this.fill())) throw invalid('unexpected end of archive');
    return this.take(Math.min(max, this.buffered[0]!.length));
  }

  /** Reads (and so digests) the source to its end. */
  async drain(): Promise<void> {
    this.buffered = [];
    this.length = 0;
    while (await this.fill()) {
      this.buffered = [];
      this.length = 0;
    }
  }

  private take(n: number): Buffer {
    const first = this.buffered[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.buffered.shift();
      else this.buffered[0] = first.subarray(n);
    } else {
      out = Buffer.concat(this.buffered, n);
      let left = n;
      while (left > 0) {
        const head = this.buffered[0]!;
        if (head.length <= left) {
          left -= head.length;
          this.buffered.shift();
        } else {
          this.buffered[0] = head.subarray(left);
          left = 0;
        }
      }
    }
    this.length -= n;
    return out;
  }
}

/** Reads entries from a tar stream: `next()` for the header, `body()` for its data. */
export class TarReader {
  private readonly bytes: Bytes;
  /** Data bytes of the current entry not read yet, and the padding after them. */
  private remaining = 0;
  private padding = 0;
  private ended = false;

  constructor(chunks: AsyncIterator<Buffer>, onBytes: (chunk: Buffer) => void) {
    this.bytes = new Bytes(chunks, onBytes);
  }

  /** The next member, skipping what is left of the current one's data; undefined at the end of the archive. */
  async next(): Promise<TarEntry | undefined> {
    await this.skip();
    let pax = new Map<string, Buffer>();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const block = await this.bytes.exact(BLOCK);
      // A stream may end at a block boundary without the marker (Go's reader allows it too).
      if (block === undefined) return this.end(pax.size > 0 || longName !== undefined || longLink !== undefined);
      const header = decode(block);
      if (header === undefined) {
        const second = await this.bytes.exact(BLOCK);
        if (second !== undefined && decode(second) !== undefined) throw invalid('invalid tar header after an end-of-archive block');
        return this.end(pax.size > 0 || longName !== undefined || longLink !== undefined);
      }
      const { typeflag } = header;
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (header.size > MAX_META) throw invalid(`tar metadata entry of ${header.size} bytes is too large`);
        const data = await this.readAll(header.size);
        if (typeflag === 'x') pax = new Map([...pax, ...parsePax(data)]);
        else if (typeflag === 'L') longName = cString(data);
        else if (typeflag === 'K') longLink = cString(data);
        // 'g' (global PAX records) is ignored, as docker does: layers do not use them.
        continue;
      }
      if (longName !== undefined) header.name = longName;
      if (longLink !== undefined) header.linkname = longLink;
      applyPax(header, pax);
      if (header.typeflag === '\0') header.typeflag = header.name.endsWith('/') ? '5' : '0'; // as Go's reader
      this.remaining = HEADER_ONLY.has(header.typeflag) ? 0 : header.size;
      this.padding = (BLOCK - (this.remaining % BLOCK)) % BLOCK;
      return { header, pax };
    }
  }

  /** The next chunk of the current member's data, or undefined when it is all read. */
  async body(): Promise<Buffer | undefined> {
    if (this.remaining === 0) return undefined;
    const chunk = await this.bytes.some(this.remaining);
    this.remaining -= chunk.length;
    return chunk;
  }

  /** After the last entry: reads the rest of the stream, so that all of it is digested. */
  async drain(): Promise<void> {
    if (!this.ended) throw new Error('TarReader.drain before the end of the archive');
    await this.bytes.drain();
  }

  private end(dangling: boolean): undefined {
    if (dangling) throw invalid('unexpected end of archive (metadata entry without a member)');
    this.ended = true;
    return undefined;
  }

  private async skip(): Promise<void> {
    while (this.remaining > 0) await this.body();
    if (this.padding > 0) await this.need(this.padding);
    this.padding = 0;
  }

  private async readAll(size: number): Promise<Buffer> {
    const data = size === 0 ? Buffer.alloc(0) : await this.need(size);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) await this.need(pad);
    return data;
  }

  private async need(n: number): Promise<Buffer> {
    const data = await this.bytes.exact(n);
    if (data === undefined) throw invalid('unexpected end of archive');
    return data;
  }
}

function decode(block: Buffer): TarHeader | undefined {
  try {
    return decodeHeader(block);
  } catch (err) {
    throw invalid((err as Error).message);
  }
}

function parsePax(data: Buffer): Map<string, Buffer> {
  try {
    return parsePaxRecords(data);
  } catch (err) {
    throw invalid((err as Error).message);
  }
}

function cString(data: Buffer): string {
  const end = data.indexOf(0);
  return data.toString('latin1', 0, end === -1 ? data.length : end);
}

/** PAX records override the ustar fields they name (POSIX pax, "extended header keywords"). */
function applyPax(header: TarHeader, pax: Map<string, Buffer>): void {
  for (const [key, value] of pax) {
    const text = value.toString('latin1');
    switch (key) {
      case 'path': header.name = text; break;
      case 'linkpath': header.linkname = text; break;
      case 'size': header.size = paxInteger(key, text); break;
      case 'uid': header.uid = paxInteger(key, text); break;
      case 'gid': header.gid = paxInteger(key, text); break;
      case 'mtime': header.mtime = paxTime(text); break;
      default:
        if (key.startsWith('GNU.sparse.')) throw invalid(`${JSON.stringify(header.name)}: sparse files are not supported`);
    }
  }
}

function paxInteger(key: string, text: string): number {
  if (!/^[0-9]{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) throw invalid(`invalid PAX ${key} ${JSON.stringify(text)}`);
  return Number(text);
}

function paxTime(text: string): number {
  if (!/^-?[0-9]{1,12}(\.[0-9]*)?$/.test(text)) throw invalid(`invalid PAX mtime ${JSON.stringify(text)}`);
  return Number(text);
}
