/**
 * The 512-byte tar header block (POSIX ustar, with GNU's and V7's variants read) and PAX extended
 * records, as pure functions. berth reads and writes headers itself rather than through tar-stream
 * because a layer's names and xattr values are bytes, not text: tar-stream decodes both as UTF-8,
 * which would corrupt a security.capability value or a Latin-1 file name. Names are carried as
 * "binary" strings (latin1: one char per byte) so they round-trip exactly.
 */

/** One block: headers, data and padding all come in these. */
export const BLOCK = 512;

/** The fields of a header berth uses. `name` and `linkname` are binary strings (one char per byte). */
export interface TarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (fractional when a PAX record says so). */
  mtime: number;
  /** The typeflag byte as a character: '0' file, '1' link, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo, '\0' V7 file... */
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

const USTAR_MAGIC = 'ustar\u000000';
const GNU_MAGIC = 'ustar  \u0000';

/**
 * Decodes one header block: undefined for an all-zero block (the end-of-archive marker).
 * @throws Error when the checksum does not match (not a tar, or a corrupt one) or a number is malformed.
 */
export function decodeHeader(block: Buffer): TarHeader | undefined {
  if (block.every((b) => b === 0)) return undefined;
  let stored: number | undefined;
  try {
    stored = parseNumber(block, 148, 8, 'checksum');
  } catch {
    stored = undefined;
  }
  const [unsigned, signed] = checksums(block);
  // Some old tars summed signed bytes; GNU tar and Go accept either.
  if (stored !== unsigned && stored !== signed) throw new Error('invalid tar header (bad checksum): not a tar archive, or a corrupt one');
  const magic = block.toString('latin1', 257, 265);
  let name = field(block, 0, 100);
  // ustar splits long names into prefix + name; GNU keeps other data (atime, ctime) where the prefix is.
  if (magic === USTAR_MAGIC && block[345] !== 0) name = `${field(block, 345, 155)}/${name}`;
  // NUL is V7's regular file (or, with a trailing slash, its directory: the reader decides once
  // PAX and GNU long names have given the final name).
  const typeflag = String.fromCharCode(block[156]!);
  return {
    name,
    mode: parseNumber(block, 100, 8, 'mode'),
    uid: parseNumber(block, 108, 8, 'uid'),
    gid: parseNumber(block, 116, 8, 'gid'),
    size: parseNumber(block, 124, 12, 'size'),
    mtime: parseNumber(block, 136, 12, 'mtime'),
    typeflag,
    linkname: field(block, 157, 100),
    devmajor: magic === USTAR_MAGIC || magic === GNU_MAGIC ? parseNumber(block, 329, 8, 'devmajor') : 0,
    devminor: magic === USTAR_MAGIC || magic === GNU_MAGIC ? parseNumber(block, 337, 8, 'devminor') : 0,
  };
}

/** A NUL-terminated (or full-width) text field, as a binary string. */
function field(block: Buffer, offset: number, length: number): string {
  const end = block.indexOf(0, offset);
  return block.toString('latin1', offset, end === -1 || end > offset + length ? offset + length : end);
}

/** An octal number (space or NUL padded), or GNU's base-256 form (high bit of the first byte set). */
function parseNumber(block: Buffer, offset: number, length: number, what: string): number {
  const bytes = block.subarray(offset, offset + length);
  if (bytes[0]! & 0x80) {
    if (bytes[0] === 0xff) throw new Error(`invalid tar header: negative ${what}`);
    let value = bytes[0]! & 0x7f;
    for (let i = 1; i < bytes.length; i++) value = value * 256 + bytes[i]!;
    if (!Number.isSafeInteger(value)) throw new Error(`invalid tar header: ${what} too large`);
    return value;
  }
  const text = bytes.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`invalid tar header: ${what} ${JSON.stringify(text)} is not an octal number`);
  return parseInt(text, 8);
}

function checksums(block: Buffer): [number, number] {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return [unsigned, signed];
}

/** Largest value of an octal field of `length` bytes (digits plus a NUL). */
function octalMax(length: number): number {
  return 8 ** (length - 1) - 1;
}

/** The PAX records a header needs for what its ustar fields cannot hold, with `extra` records added. */
export interface EncodedHeader {
  /** The ustar header block. */
  header: Buffer;
  /** PAX records (key → bytes) to write in an 'x' entry before it; empty when none are needed. */
  pax: Map<string, Buffer>;
}

/**
 * Encodes `h` as a ustar header the way Go's archive/tar (and so docker) does for PAX format: ustar
 * fields where the value fits (the name split into prefix/name when it can be, ASCII only), PAX
 * records for the rest. Numeric owners only (uname/gname left empty).
 */
export function encodeHeader(h: TarHeader): EncodedHeader {
  const pax = new Map<string, Buffer>();
  const block = Buffer.alloc(BLOCK);
  const split = splitUstarName(h.name);
  if (split) {
    block.write(split.name, 0, 'latin1');
    block.write(split.prefix, 345, 'latin1');
  } else {
    pax.set('path', Buffer.from(h.name, 'latin1'));
    block.write(asciiPrefix(h.name, 100), 0, 'latin1');
  }
  if (h.linkname.length > 100 || !isAscii(h.linkname)) {
    pax.set('linkpath', Buffer.from(h.linkname, 'latin1'));
    block.write(asciiPrefix(h.linkname, 100), 157, 'latin1');
  } else {
    block.write(h.linkname, 157, 'latin1');
  }
  writeOctal(block, 100, 8, h.mode & 0o7777);
  writeNumber(block, 108, 8, h.uid, 'uid', pax);
  writeNumber(block, 116, 8, h.gid, 'gid', pax);
  writeNumber(block, 124, 12, h.size, 'size', pax);
  writeNumber(block, 136, 12, Math.floor(h.mtime), 'mtime', pax);
  block[156] = h.typeflag.charCodeAt(0);
  block.write(USTAR_MAGIC, 257, 'latin1');
  if (h.devmajor > octalMax(8) || h.devminor > octalMax(8)) throw new Error(`device number ${h.devmajor}:${h.devminor} does not fit a tar header`);
  writeOctal(block, 329, 8, h.devmajor);
  writeOctal(block, 337, 8, h.devminor);
  block.fill(0x20, 148, 156);
  const [sum] = checksums(block);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return { header: block, pax };
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, 'latin1');
}

/** Octal when it fits, else 0 in the field and the exact value in a PAX record (Go's choice for PAX). */
function writeNumber(block: Buffer, offset: number, length: number, value: number, key: string, pax: Map<string, Buffer>): void {
  if (value >= 0 && value <= octalMax(length)) return writeOctal(block, offset, length, value);
  pax.set(key, Buffer.from(String(value)));
  writeOctal(block, offset, length, 0);
}

/** ustar's prefix/name split (Go's splitUSTARPath): undefined when the name needs a PAX path record. */
export function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (!isAscii(name)) return undefined;
  if (name.length <= 100) return { prefix: '', name };
  let length = name.length;
  if (length > 156) length = 156;
  else if (name[length - 1] === '/') length--;
  const i = name.lastIndexOf('/', length - 1);
  const rest = name.length - i - 1;
  if (i <= 0 || rest > 100 || rest === 0 || i > 155) return undefined;
  return { prefix: name.slice(0, i), name: name.slice(i + 1) };
}

function isAscii(s: string): boolean {
  return /^[\x01-\x7f]*$/.test(s);
}

function asciiPrefix(s: string, max: number): string {
  return s.replace(/[^\x01-\x7f]/g, '_').slice(0, max);
}

/** PAX records ("<len> <key>=<value>\n", the length counting itself) as bytes. */
export function formatPaxRecords(records: Map<string, Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const [key, value] of records) {
    const body = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), value, Buffer.from('\n')]);
    let length = body.length + String(body.length).length;
    if (String(length).length !== String(body.length).length) length++;
    parts.push(Buffer.from(String(length), 'latin1'), body);
  }
  return Buffer.concat(parts);
}

/**
 * Parses PAX records. Values stay bytes (an xattr value is binary); keys are text.
 * @throws Error on a malformed record.
 */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // NUL padding after the last record
    const space = data.indexOf(0x20, at);
    const lengthText = space === -1 ? '' : data.toString('latin1', at, space);
    const length = /^[1-9][0-9]{0,15}$/.test(lengthText) ? Number(lengthText) : NaN;
    if (!(length > 0) || at + length > data.length || data[at + length - 1] !== 0x0a) throw new Error('invalid PAX record');
    const record = data.subarray(space + 1, at + length - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new Error('invalid PAX record');
    records.set(record.toString('latin1', 0, eq), Buffer.from(record.subarray(eq + 1)));
    at += length;
  }
  return records;
}
