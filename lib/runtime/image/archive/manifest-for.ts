/** A canonical manifest for an image that came without one (legacy `docker save` archives). */
import { MEDIA, digestOf, type Descriptor } from '../oci';

const plain = ({ mediaType, digest, size }: Descriptor): Descriptor => ({ mediaType, digest, size });

/**
 * The manifest of `config` and `layers`, as deterministic JSON (fixed key order, no whitespace): the
 * same image always gets the same manifest digest. Docker media types make it a schema2 manifest,
 * OCI ones an OCI manifest, so the manifest's type agrees with its contents' types.
 */
export function manifestFor(config: Descriptor, layers: Descriptor[]): { bytes: Buffer; descriptor: Descriptor } {
  const docker = [config, ...layers].some((d) => d.mediaType.startsWith('application/vnd.docker.'));
  const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: plain(config), layers: layers.map(plain) }));
  return { bytes, descriptor: { mediaType, digest: digestOf(bytes), size: bytes.length } };
}
