/** Writing and reading image manifests. */
import { ImageError } from '../image-error';
import { digestOf, isDigest } from './digest';
import { MEDIA, isManifestType } from './media-types';
import type { Descriptor, ImageIndex, ImageManifest } from './descriptor';

const plain = ({ mediaType, digest, size }: Descriptor): Descriptor => ({ mediaType, digest, size });

/**
 * The manifest of `config` and `layers` (berth's own images, and archives that came without one), as
 * deterministic JSON (fixed key order, no whitespace): the same image always gets the same manifest
 * digest. Docker media types make it a schema2 manifest, OCI ones an OCI manifest, so the manifest's
 * type agrees with its contents' types.
 */
export function manifestFor(config: Descriptor, layers: readonly Descriptor[]): { bytes: Buffer; descriptor: Descriptor } {
  const docker = [config, ...layers].some((d) => d.mediaType.startsWith('application/vnd.docker.'));
  const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: plain(config), layers: layers.map(plain) }));
  return { bytes, descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length } };
}

/**
 * Parses a single-platform manifest (OCI or Docker schema2), checking every descriptor.
 * @throws ImageError invalid naming the field.
 */
export function parseManifest(bytes: Buffer, what: string): ImageManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ImageError(`${what}: manifest is not JSON: ${(err as Error).message}`, 'invalid');
  }
  const m = doc as ImageManifest;
  if (typeof m !== 'object' || m === null || m.schemaVersion !== 2) throw new ImageError(`${what}: not a schemaVersion 2 image manifest`, 'invalid');
  if (m.mediaType !== undefined && !isManifestType(m.mediaType)) throw new ImageError(`${what}: manifest mediaType ${JSON.stringify(m.mediaType)} is not an image manifest`, 'invalid');
  checkDescriptor(m.config, `${what}: config`);
  if (!Array.isArray(m.layers)) throw new ImageError(`${what}: manifest layers must be a list`, 'invalid');
  m.layers.forEach((l, i) => checkDescriptor(l, `${what}: layers[${i}]`));
  return m;
}

/** Parses an image index or manifest list (its entries are checked when one is chosen). */
export function parseIndex(bytes: Buffer, what: string): ImageIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ImageError(`${what}: index is not JSON: ${(err as Error).message}`, 'invalid');
  }
  const index = doc as ImageIndex;
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests)) throw new ImageError(`${what}: index has no manifests list`, 'invalid');
  return index;
}

/** @throws ImageError unless `d` is a descriptor with a sha256 digest and a sane size. */
export function checkDescriptor(d: unknown, what: string): asserts d is Descriptor {
  const x = d as Descriptor;
  if (typeof x !== 'object' || x === null) throw new ImageError(`${what}: not a descriptor`, 'invalid');
  if (typeof x.mediaType !== 'string') throw new ImageError(`${what}: mediaType must be a string`, 'invalid');
  if (!isDigest(x.digest)) throw new ImageError(`${what}: digest ${JSON.stringify(x.digest)} is not sha256:<64 hex>`, 'invalid');
  if (!Number.isSafeInteger(x.size) || x.size < 0) throw new ImageError(`${what}: size ${JSON.stringify(x.size)} must be a non-negative integer`, 'invalid');
}
