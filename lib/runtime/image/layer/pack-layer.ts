/**
 * A layer directory as a tar stream, the inverse of unpackLayer: what `docker save` or a push would
 * send for it. Deterministic, so the same tree always gives the same bytes and so the same diff ID:
 * entries in depth-first order with siblings sorted by their bytes (Go's filepath.Walk, which docker
 * uses), no root entry (docker's layers have none), numeric owners only, mtimes in whole seconds
 * (docker truncates them too), no atime/ctime, PAX records sorted by key. overlayfs's whiteouts go
 * back to the OCI form: a 0/0 character device becomes an empty `.wh.NAME` file (mode 0600, its owner
 * and mtime), an opaque directory is followed by a `DIR/.wh..wh..opq` entry.
 */
import { closeSync, constants, lstatSync, openSync, readSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { Readable } from 'node:stream';
import { lgetxattr, llistxattr } from '../../../sys';
import { ImageError } from '../image-error';
import { OPAQUE_XATTR, XATTR_RECORD, isOverlayPrivateXattr } from './extractor';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './member-name';
import { BLOCK, encodeHeader, formatPaxRecords, type TarHeader } from './tar-header';

const SLASH = Buffer.from('/');
const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);
const READ_SIZE = 64 * 1024;

/**
 * The tar stream of the layer directory `dir` (see the file comment for its exact form). Reading it
 * walks the tree as it goes; a tree that changes meanwhile fails the stream with an ImageError (io).
 */
export function packLayer(dir: string): Readable {
  return Readable.from(inChunks(layerTar(dir)), { objectMode: false, highWaterMark: READ_SIZE });
}

/**
 * The tar's pieces (headers, padding, file data) joined into chunks of about READ_SIZE. The walk is
 * synchronous (a stat, a read per file: an async call each cost ~20x GNU tar on small files), so
 * each chunk is also the most work done between two turns of the event loop.
 */
function* inChunks(pieces: Iterable<Buffer>): Generator<Buffer> {
  let held: Buffer[] = [];
  let size = 0;
  for (const piece of pieces) {
    held.push(piece);
    size += piece.length;
    if (size >= READ_SIZE) {
      yield held.length === 1 ? held[0]! : Buffer.concat(held, size);
      held = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(held, size);
}

/** One tree entry being packed: its path in the layer (a binary string) and where it is on disk. */
interface Item {
  rel: string;
  at: Buffer;
  st: BigIntStats;
}

function* layerTar(dir: string): Generator<Buffer> {
  const root = Buffer.from(dir);
  /** dev:ino → the first path of a multiply linked inode; later paths become hard link entries. */
  const firstPaths = new Map<string, string>();
  let current = '';
  try {
    if (isOpaque(root)) yield* member(opaqueMarker('', lstatSync(root, { bigint: true })), new Map());
    const pending: Item[] = [];
    const push = (rel: string, at: Buffer): void => {
      const names = readdirSync(at, { encoding: 'buffer' }).sort(Buffer.compare).reverse();
      for (const name of names) {
        const childAt = Buffer.concat([at, SLASH, name]);
        pending.push({ rel: rel === '' ? name.toString('latin1') : `${rel}/${name.toString('latin1')}`, at: childAt, st: lstatSync(childAt, { bigint: true }) });
      }
    };
    push('', root);
    for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
      current = item.rel;
      yield* entry(item, firstPaths);
      if (item.st.isDirectory()) push(item.rel, item.at);
    }
    yield END_OF_ARCHIVE;
  } catch (err) {
    if (err instanceof ImageError) throw err;
    const where = current === '' ? '' : ` at ${JSON.stringify(Buffer.from(current, 'latin1').toString('utf8'))}`;
    throw new ImageError(`packing layer ${dir}${where}: ${(err as Error).message}`, 'io', { cause: err });
  }
}

function* entry(item: Item, firstPaths: Map<string, string>): Generator<Buffer> {
  const { rel, at, st } = item;
  const base = header(rel, st);
  if (st.isCharacterDevice() && st.rdev === 0n) {
    // An overlayfs whiteout: an empty `.wh.NAME` regular file in its place (docker's conversion back).
    const slash = rel.lastIndexOf('/');
    const name = `${rel.slice(0, slash + 1)}${WHITEOUT_PREFIX}${rel.slice(slash + 1)}`;
    yield* member({ ...base, name, typeflag: '0', mode: 0o600 }, new Map());
    return;
  }
  const xattrs = xattrRecords(at);
  if (st.isDirectory()) {
    yield* member({ ...base, name: `${rel}/`, typeflag: '5' }, xattrs);
    if (isOpaque(at)) yield* member(opaqueMarker(rel, st), new Map());
    return;
  }
  if (st.nlink > 1n) {
    const inode = `${st.dev}:${st.ino}`;
    const first = firstPaths.get(inode);
    if (first !== undefined) {
      yield* member({ ...base, typeflag: '1', linkname: first }, xattrs);
      return;
    }
    firstPaths.set(inode, rel);
  }
  if (st.isFile()) {
    yield* member({ ...base, typeflag: '0', size: Number(st.size) }, xattrs);
    yield* fileData(at, Number(st.size));
  } else if (st.isSymbolicLink()) {
    yield* member({ ...base, typeflag: '2', linkname: readlinkSync(at, { encoding: 'buffer' }).toString('latin1') }, xattrs);
  } else if (st.isCharacterDevice() || st.isBlockDevice()) {
    const [devmajor, devminor] = majorMinor(st.rdev);
    yield* member({ ...base, typeflag: st.isCharacterDevice() ? '3' : '4', devmajor, devminor }, xattrs);
  } else if (st.isFIFO()) {
    yield* member({ ...base, typeflag: '6' }, xattrs);
  }
  // Sockets are not archived (Go's archive/tar cannot, docker skips them).
}

/** The header fields every entry takes from its stat; type and size filled in by the caller. */
function header(rel: string, st: BigIntStats): TarHeader {
  return {
    name: rel,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: 0,
    mtime: Number(st.mtimeNs / 1_000_000_000n),
    typeflag: '0',
    linkname: '',
    devmajor: 0,
    devminor: 0,
  };
}

/** The `DIR/.wh..wh..opq` entry of an opaque directory: an empty file with the directory's owner and permissions. */
function opaqueMarker(rel: string, st: BigIntStats): TarHeader {
  return { ...header(rel === '' ? OPAQUE_MARKER : `${rel}/${OPAQUE_MARKER}`, st), mode: Number(st.mode & 0o777n) };
}

function isOpaque(at: Buffer): boolean {
  return lgetxattr(at, OPAQUE_XATTR)?.toString('latin1') === 'y';
}

/**
 * The entry's xattrs as SCHILY.xattr records, overlayfs's private ones and the host's SELinux label
 * left out: they describe this host's mount or policy, not the layer's content.
 */
function xattrRecords(at: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  for (const name of llistxattr(at)) {
    if (isOverlayPrivateXattr(name) || name === 'security.selinux') continue;
    const value = lgetxattr(at, name);
    if (value !== undefined) records.set(`${XATTR_RECORD}${Buffer.from(name).toString('latin1')}`, value);
  }
  return records;
}

/** An entry's header blocks: a PAX 'x' entry first when its fields or xattrs need one. */
function* member(h: TarHeader, xattrs: Map<string, Buffer>): Generator<Buffer> {
  const { header: block, pax } = encodeHeader(h);
  for (const [key, value] of xattrs) pax.set(key, value);
  if (pax.size > 0) {
    const records = formatPaxRecords(new Map([...pax].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    const paxHeader = encodeHeader({ ...h, name: paxName(h.name), typeflag: 'x', size: records.length, mode: 0o644, uid: 0, gid: 0, mtime: 0, linkname: '', devmajor: 0, devminor: 0 });
    yield paxHeader.header;
    yield records;
    yield padding(records.length);
  }
  yield block;
}

/** Go's name for a PAX header entry: DIR/PaxHeaders.0/BASE, ASCII, within ustar's 100 bytes. */
function paxName(name: string): string {
  const trimmed = name.endsWith('/') ? name.slice(0, -1) : name;
  const slash = trimmed.lastIndexOf('/');
  const full = `${slash === -1 ? '' : trimmed.slice(0, slash + 1)}PaxHeaders.0/${trimmed.slice(slash + 1)}`;
  return full.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Exactly `size` bytes of the file (the size its header announced), then the block padding. */
function* fileData(at: Buffer, size: number): Generator<Buffer> {
  const fd = openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    let left = size;
    while (left > 0) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_SIZE, left));
      const bytesRead = readSync(fd, buffer, 0, buffer.length, size - left);
      if (bytesRead === 0) throw new Error('the file shrank while it was being packed');
      left -= bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
  yield padding(size);
}

/** major(3)/minor(3) of a dev_t (glibc's encoding, the inverse of makedev). */
function majorMinor(rdev: bigint): [number, number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return [Number(major), Number(minor)];
}
