/**
 * What one pass over an archive leaves: every blob-like member already put into the sink (entries
 * come in any order, and a layer can be gigabytes, so nothing waits for the manifest that names it),
 * the small top-level files and JSON blobs kept in memory, and the links between members.
 */
import { posix } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobSink } from './archive-types';
import { invalid } from './archive-json';
import type { TarMember } from './tar-entries';

/** A manifest, index or config larger than this is not one (containerd's limit for manifests). */
export const JSON_MAX = 4 * 1024 * 1024;
/** All JSON kept from one archive: bounded, so a hostile archive cannot exhaust memory. */
const KEPT_MAX = 64 * 1024 * 1024;
/** Links followed from one reference before giving up (a loop). */
const LINK_HOPS = 16;
/** Enough of a blob's start to recognise a compression. */
const HEAD_LEN = 8;

const BLOB = /^blobs\/sha256\/([0-9a-f]{64})$/;
/** Top-level files that are metadata by name: too large is an error, not something to skip. */
const METADATA = /^(manifest\.json|index\.json|oci-layout|repositories|[^/]*\.json)$/;
/** Legacy per-layer files nothing reads (the v1 image JSON and its version). */
const LEGACY_SIDECAR = /\/(json|VERSION)$/;

/** A member put into the sink. `head` is its first bytes, for telling compressed layers apart. */
export interface StoredBlob {
  digest: string;
  size: number;
  head: Buffer;
}

/** A member path as a reference can name it: relative, normalised; undefined when outside. */
function memberPath(name: string): string | undefined {
  const p = posix.normalize(name.replace(/^\/+/, '')).replace(/\/+$/, '');
  return p === '.' || p === '..' || p.startsWith('../') || p === '' ? undefined : p;
}

async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of body);
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** `bytes` as a byte stream (not an object stream: sinks may read it by size). */
const bytesStream = (bytes: Buffer): Readable => Readable.from([bytes], { objectMode: false });

const looksLikeJson = (bytes: Buffer): boolean => /^\s*[{[]/.test(bytes.subarray(0, 64).toString('latin1'));

/** Passes bytes through, remembering the first few. */
class HeadTap extends Transform {
  head = Buffer.alloc(0);
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.head.length < HEAD_LEN) this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_LEN - this.head.length)]);
    done(null, chunk);
  }
}

/** The members of one archive, collected while it streams by. */
export class ArchiveMembers {
  private readonly blobs = new Map<string, StoredBlob>();
  private readonly docs = new Map<string, Buffer>();
  /** member path -> the path it points at (undefined: it points outside the archive), and as written. */
  private readonly links = new Map<string, { target: string | undefined; raw: string }>();
  private kept = 0;

  private readonly sink: BlobSink;
  private readonly what: string;

  constructor(sink: BlobSink, what: string) {
    this.sink = sink;
    this.what = what;
  }

  /** Takes one member as it streams by: a blob into the sink, metadata into memory, a link noted. */
  async take({ header, body }: TarMember): Promise<void> {
    const path = memberPath(header.name);
    const type = header.type ?? 'file';
    if (path !== undefined && (type === 'symlink' || type === 'link')) {
      const raw = header.linkname ?? '';
      // A symlink is relative to its directory; a hard link names a member from the archive's root.
      const target = type === 'link' ? memberPath(raw) : raw.startsWith('/') ? undefined : memberPath(posix.join(posix.dirname(path), raw));
      this.links.set(path, { target, raw });
    }
    if (path === undefined || (type !== 'file' && type !== 'contiguous-file')) return drain(body);
    return this.file(path, header.size ?? 0, body);
  }

  private async file(path: string, size: number, body: AsyncIterable<Buffer>): Promise<void> {
    const hex = BLOB.exec(path)?.[1];
    const topLevel = !path.includes('/');
    if (hex === undefined && topLevel) {
      if (size <= JSON_MAX) return this.keep(path, await readAll(body));
      if (METADATA.test(path)) throw invalid(this.what, `${path}: too large for image metadata (${size} bytes; at most ${JSON_MAX})`);
    }
    if (hex === undefined && LEGACY_SIDECAR.test(path)) return drain(body);
    const expect = hex === undefined ? { size } : { digest: `sha256:${hex}`, size };
    const what = `${this.what}: ${path}`;
    if (size <= JSON_MAX) {
      // Small blobs may be the manifests and configs read after the end: kept when they look like JSON.
      const bytes = await readAll(body);
      const got = await this.sink.put(bytesStream(bytes), expect, what);
      this.blobs.set(path, { ...got, head: bytes.subarray(0, HEAD_LEN) });
      if (looksLikeJson(bytes)) this.keep(path, bytes);
      return;
    }
    const tap = new HeadTap();
    const flowing = pipeline(body, tap);
    flowing.catch(() => {}); // the sink sees the same failure through `tap`
    const got = await this.sink.put(tap, expect, what);
    // A sink that stopped reading early would leave the archive stuck on this member.
    if (!tap.readableEnded) throw new Error(`BlobSink.put resolved before reading all of ${path}`);
    await flowing;
    this.blobs.set(path, { ...got, head: tap.head });
  }

  private keep(path: string, bytes: Buffer): void {
    this.kept += bytes.length;
    if (this.kept > KEPT_MAX) throw invalid(this.what, `more than ${KEPT_MAX} bytes of JSON metadata: not an image archive`);
    this.docs.set(path, bytes);
  }

  /** True when a member (or a link) is at `path`. */
  has(path: string): boolean {
    return this.docs.has(path) || this.blobs.has(path) || this.links.has(path);
  }

  /**
   * The member a reference from `field` names, links followed; the reference must stay inside the
   * archive ("../x" never names a member of it).
   */
  resolve(ref: string, field: string): string {
    const first = ref.startsWith('/') ? undefined : memberPath(ref);
    if (first === undefined) throw invalid(this.what, `${field} ${JSON.stringify(ref)} is outside the archive`);
    let path = first;
    for (let hop = 0; hop < LINK_HOPS; hop++) {
      if (this.blobs.has(path) || this.docs.has(path)) return path;
      const link = this.links.get(path);
      if (link === undefined) throw invalid(this.what, `${field} ${JSON.stringify(ref)} is not in the archive`);
      if (link.target === undefined) throw invalid(this.what, `${field} ${JSON.stringify(ref)}: ${path} links to ${JSON.stringify(link.raw)}, outside the archive`);
      path = link.target;
    }
    throw invalid(this.what, `${field} ${JSON.stringify(ref)}: too many levels of links`);
  }

  /** The JSON document at member `path` (a reference from `field`). */
  doc(ref: string, field: string): Buffer {
    const path = this.resolve(ref, field);
    const doc = this.docs.get(path);
    if (doc === undefined) throw invalid(this.what, `${field} ${JSON.stringify(ref)} is not a JSON document`);
    return doc;
  }

  /** The blob at `ref` (from `field`), put into the sink now if it was only kept in memory. */
  async blob(ref: string, field: string): Promise<StoredBlob> {
    const path = this.resolve(ref, field);
    const stored = this.blobs.get(path);
    if (stored !== undefined) return stored;
    const doc = this.docs.get(path)!;
    const got = await this.sink.put(bytesStream(doc), { size: doc.length }, `${this.what}: ${path}`);
    const blob = { ...got, head: doc.subarray(0, HEAD_LEN) };
    this.blobs.set(path, blob);
    return blob;
  }
}
