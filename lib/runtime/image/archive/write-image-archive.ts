/**
 * `docker save`'s Docker 25+ format: an OCI image layout (oci-layout, index.json, blobs/sha256/…)
 * that is also a Docker archive (manifest.json, repositories). Deterministic: the same images give
 * the same bytes (fixed entry order, mtime 0, uid/gid 0, fixed modes, no user or group names), so a
 * saved image loads and saves again byte for byte, and scripts/make-image-fixture.mjs writes the
 * same layout.
 */
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { ImageError } from '../image-error';
import { MEDIA, digestHex, digester, type Descriptor } from '../oci';
import type { SaveImage } from './archive-types';
import { normalizedRef } from './repo-names';
import { formatImageRef, parseImageRef } from '../image-ref';

type Header = Partial<tar.Header> & { name: string };

const EPOCH = new Date(0);
const DIR: Header = { name: '', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: EPOCH };
const FILE: Header = { name: '', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: EPOCH };
const blobPath = (digest: string): string => `blobs/sha256/${digestHex(digest)}`;

/** The JSON files of the archive, in the order they are written. */
function metadata(images: SaveImage[]): [string, string][] {
  const index: Descriptor[] = [];
  const manifest: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    const m = image.manifest;
    const tags = image.repoTags.map((t) => formatImageRef(parseImageRef(t)));
    for (const tag of tags) {
      const { full, tag: t } = normalizedRef(tag);
      index.push({ mediaType: m.mediaType, digest: m.digest, size: m.size, annotations: { 'io.containerd.image.name': full, 'org.opencontainers.image.ref.name': t } });
      const { name } = parseImageRef(tag);
      (repositories[name] ??= {})[t] = digestHex(image.config.digest);
    }
    if (tags.length === 0) index.push({ mediaType: m.mediaType, digest: m.digest, size: m.size });
    // Docker writes null RepoTags for an image saved by ID.
    manifest.push({ Config: blobPath(image.config.digest), RepoTags: tags.length ? tags : null, Layers: image.layers.map((l) => blobPath(l.digest)) });
  }
  return [
    ['index.json', JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: index })],
    ['manifest.json', JSON.stringify(manifest)],
    ['oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' })],
    ['repositories', JSON.stringify(repositories)],
  ];
}

/** Every blob the images name, once each, by digest. */
function blobsOf(images: SaveImage[]): Descriptor[] {
  const blobs = new Map<string, Descriptor>();
  for (const d of images.flatMap((i) => [i.manifest, i.config, ...i.layers])) {
    digestHex(d.digest);
    const seen = blobs.get(d.digest);
    if (seen !== undefined && seen.size !== d.size) {
      throw new ImageError(`blob ${d.digest} is described with two sizes (${seen.size} and ${d.size})`, 'invalid');
    }
    blobs.set(d.digest, d);
  }
  return [...blobs.values()].sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
}

/** Adds an entry with no body or a small one. */
function addEntry(pack: tar.Pack, header: Header, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (body === undefined) pack.entry(header, cb);
    else pack.entry(header, Buffer.from(body), cb);
  });
}

/** Adds blob `d`, streamed from the store and verified on the way: a corrupt store fails the save. */
async function addBlob(pack: tar.Pack, d: Descriptor, open: (digest: string) => Readable): Promise<void> {
  const corrupt = (detail: string): ImageError => new ImageError(`blob ${d.digest} in the image store is corrupt: ${detail}`, 'io');
  if (pack.destroying) throw new Error('the archive output failed'); // its error is reported instead
  let entry!: ReturnType<tar.Pack['entry']>;
  const written = new Promise<void>((resolve, reject) => {
    entry = pack.entry({ ...FILE, name: blobPath(d.digest), size: d.size }, (err) => (err ? reject(err) : resolve()));
  });
  written.catch(() => {});
  entry.on('error', () => {}); // the failure is reported by the rejection below
  const { hash, digest } = digester();
  let size = 0;
  try {
    for await (const chunk of open(d.digest) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > d.size) throw corrupt(`more than the ${d.size} bytes its descriptor gives`);
      hash.update(chunk);
      if (!entry.write(chunk)) {
        await new Promise<void>((resolve) => {
          if (entry.destroying) return resolve();
          const go = (): void => {
            entry.off('drain', go);
            entry.off('close', go);
            resolve();
          };
          entry.on('drain', go);
          entry.on('close', go); // the pack failed (its output did): stop
        });
        if (entry.destroying) break;
      }
    }
    if (!entry.destroying) {
      if (size !== d.size) throw corrupt(`${size} bytes, its descriptor gives ${d.size}`);
      const actual = digest();
      if (actual !== d.digest) throw corrupt(`its content hashes to ${actual}`);
      entry.end(undefined);
    }
  } catch (err) {
    entry.destroy(err as Error);
    throw err;
  }
  await written;
}

/**
 * Writes `images` to `out` (ended when done) as `docker save` does since Docker 25: each blob once,
 * sorted, then index.json (one entry per tag, annotated with the full name and the tag; one
 * unannotated entry for an untagged image), manifest.json, oci-layout and repositories. `open`
 * streams a stored blob.
 * @throws ImageError io when a stored blob does not match its descriptor.
 */
export async function writeImageArchive(out: Writable, images: SaveImage[], open: (digest: string) => Readable): Promise<void> {
  const blobs = blobsOf(images);
  const files = metadata(images);
  const pack = tar.pack();
  const writing = pipeline(pack, out);
  writing.catch(() => {});
  try {
    await addEntry(pack, { ...DIR, name: 'blobs/' });
    await addEntry(pack, { ...DIR, name: 'blobs/sha256/' });
    for (const d of blobs) await addBlob(pack, d, open);
    for (const [name, body] of files) await addEntry(pack, { ...FILE, name }, body);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    // When the output failed, the pack's entries fail as an echo of it: report the output's error.
    const outputError = await writing.then(() => undefined, (e: unknown) => e);
    throw err instanceof ImageError || outputError === undefined || outputError === err ? err : outputError;
  }
  await writing;
}
