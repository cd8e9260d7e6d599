/**
 * `docker load`'s input, read in one pass: a Docker archive (manifest.json, legacy `<id>/layer.tar`
 * or Docker 25+'s OCI layout inside) or a plain OCI image layout, the whole possibly gzipped.
 */
import type { Readable } from 'node:stream';
import { MEDIA, type Descriptor } from '../oci';
import type { ArchiveImage, BlobSink } from './archive-types';
import { ArchiveMembers, type StoredBlob } from './archive-members';
import { configDiffIds, invalid } from './archive-json';
import { readDockerManifest, type DockerManifestItem } from './docker-manifest';
import { blobFor, checkLayoutMarker, readOciIndex, type IndexedManifest } from './oci-index';
import { forEachMember } from './tar-entries';

/** The magic bytes of the compressions a layer may come in; anything else is a plain tar. */
const COMPRESSED: readonly (readonly number[])[] = [
  [0x1f, 0x8b], // gzip
  [0x28, 0xb5, 0x2f, 0xfd], // zstd
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], // xz
  [0x42, 0x5a, 0x68], // bzip2
];
const isCompressed = (head: Buffer): boolean => COMPRESSED.some((m) => head.length >= m.length && m.every((b, i) => head[i] === b));

/** The media type of a layer no manifest describes, by its content. */
function sniffedLayerType(head: Buffer): string {
  if (head[0] === 0x1f && head[1] === 0x8b) return MEDIA.dockerLayerGzip;
  if (head[0] === 0x28 && head[1] === 0xb5) return MEDIA.ociLayerZstd;
  return MEDIA.dockerLayer;
}

/**
 * An uncompressed layer's digest is its diff ID: a mismatch is a damaged archive, caught here rather
 * than after unpacking (compressed layers are checked by whoever decompresses them).
 */
function checkDiffIds(diffIds: string[], layers: StoredBlob[], layersField: string, configMember: string, what: string): void {
  layers.forEach((blob, i) => {
    if (!isCompressed(blob.head) && blob.digest !== diffIds[i]) {
      throw invalid(what, `${layersField}[${i}]: uncompressed layer ${blob.digest} is not ${configMember}: rootfs.diff_ids[${i}] ${diffIds[i]}`);
    }
  });
}

/** An image its OCI manifest describes: config and every layer present, as big as it says. */
async function ociImage(members: ArchiveMembers, m: IndexedManifest, what: string): Promise<ArchiveImage> {
  const manifestMember = `blobs/sha256/${m.descriptor.digest.slice('sha256:'.length)}`;
  const configMember = `blobs/sha256/${m.config.digest.slice('sha256:'.length)}`;
  await blobFor(members, m.config, `${manifestMember}: config`, what);
  const diffIds = configDiffIds(members.doc(configMember, `${manifestMember}: config`), configMember, m.layers.length, `${manifestMember}: layers`, what);
  const blobs: StoredBlob[] = [];
  for (const [i, layer] of m.layers.entries()) blobs.push(await blobFor(members, layer, `${manifestMember}: layers[${i}]`, what));
  checkDiffIds(diffIds, blobs, `${manifestMember}: layers`, configMember, what);
  return { repoTags: m.repoTags, config: m.config, manifest: m.descriptor, layers: m.layers };
}

/** An image manifest.json describes; its OCI manifest too when the archive's index has it. */
async function dockerImage(members: ArchiveMembers, item: DockerManifestItem, indexed: IndexedManifest[], what: string): Promise<ArchiveImage> {
  const cField = `${item.field}.Config`;
  const configMember = members.resolve(item.config, cField);
  const configBytes = members.doc(item.config, cField);
  const diffIds = configDiffIds(configBytes, configMember, item.layers.length, `${item.field}.Layers`, what);
  const config = await members.blob(item.config, cField);
  const layers: StoredBlob[] = [];
  for (const [j, path] of item.layers.entries()) layers.push(await members.blob(path, `${item.field}.Layers[${j}]`));
  const match = indexed.find((m) => m.config.digest === config.digest && m.layers.length === layers.length && m.layers.every((d, j) => d.digest === layers[j]!.digest));
  if (match !== undefined) return { ...(await ociImage(members, match, what)), repoTags: item.repoTags };
  checkDiffIds(diffIds, layers, `${item.field}.Layers`, configMember, what);
  const descriptor = (blob: StoredBlob, mediaType: string): Descriptor => ({ mediaType, digest: blob.digest, size: blob.size });
  return {
    repoTags: item.repoTags,
    config: descriptor(config, MEDIA.dockerConfig),
    layers: layers.map((l) => descriptor(l, sniffedLayerType(l.head))),
  };
}

/**
 * Reads the image archive `source` (named `what` in errors), putting every blob into `sink` as it
 * streams by, and returns its images once every reference has been checked: each blob present with
 * the digest and size its references give, each config parsed with one diff ID per layer.
 * @throws ImageError invalid, naming the member and field (`archive: manifest.json[0].Layers[1]
 *   "abc/layer.tar" is not in the archive`, `archive: unexpected end of archive`).
 */
export async function readImageArchive(source: Readable, sink: BlobSink, what: string): Promise<ArchiveImage[]> {
  const members = new ArchiveMembers(sink, what);
  await forEachMember(source, what, (m) => members.take(m));
  if (members.has('manifest.json')) {
    const items = readDockerManifest(members, what);
    const indexed = members.has('index.json') ? await readOciIndex(members, what) : [];
    const images: ArchiveImage[] = [];
    for (const item of items) images.push(await dockerImage(members, item, indexed, what));
    return images;
  }
  if (members.has('index.json')) {
    checkLayoutMarker(members, what);
    const indexed = await readOciIndex(members, what);
    if (indexed.length === 0) throw invalid(what, 'index.json: no images in manifests');
    const images: ArchiveImage[] = [];
    for (const m of indexed) images.push(await ociImage(members, m, what));
    return images;
  }
  throw invalid(what, 'neither manifest.json nor index.json is in the archive: not a docker save archive or an OCI image layout');
}
