/**
 * `berth push`: a tagged image to the registry its name says. Each blob the registry lacks is
 * uploaded from the store (the very bytes that were loaded or pulled, so the manifest's digests
 * hold), then the stored manifest is put under the tag: the registry's image has the same config,
 * hence the same image ID, and the same manifest digest.
 */
import { ImageError } from './image-error';
import type { ImageStore } from './image-store';
import type { TransferEvent } from './image-registry-progress';
import { RegistryClient, familiarName, parseRegistryRef, type RegistryOptions } from './registry';

/** Options of a push. */
export interface PushOptions extends RegistryOptions {
  onEvent?: (event: TransferEvent) => void;
}

/** What a push did: Docker's last line `TAG: digest: sha256:… size: N`. */
export interface PushResult {
  readonly tag: string;
  readonly digest: string;
  readonly size: number;
}

/** Pushes the local image `reference` (`[REGISTRY/]NAME[:TAG]`). */
export async function pushImage(store: ImageStore, reference: string, opts: PushOptions = {}): Promise<PushResult> {
  const ref = parseRegistryRef(reference);
  if (ref.digest !== undefined) throw new ImageError(`cannot push a digest reference ${JSON.stringify(reference)}: push a tag`, 'invalid');
  const tag = ref.tag ?? 'latest';
  const name = familiarName(ref);
  const [meta] = await store.resolveMeta(`${name}:${tag}`).catch((err: unknown) => {
    if (err instanceof ImageError && err.kind === 'not-found') throw new ImageError(`An image does not exist locally with the tag: ${name}`, 'not-found');
    throw err;
  });
  if (meta.manifest === undefined || meta.configBlob === undefined || meta.layerBlobs === undefined) {
    throw new ImageError(`image ${name}:${tag} was stored by a berth without layers and cannot be pushed; import it again`, 'invalid');
  }
  const emit = opts.onEvent ?? (() => undefined);
  const client = new RegistryClient(ref.registry, opts);
  try {
    for (const layer of meta.layerBlobs) emit({ id: layer.digest, phase: 'preparing' });
    for (const blob of [...meta.layerBlobs, meta.configBlob]) {
      const isLayer = blob !== meta.configBlob;
      const id = blob.digest;
      if (await client.hasBlob(ref.repository, blob.digest)) {
        if (isLayer) emit({ id, phase: 'layer-exists' });
        continue;
      }
      await client.uploadBlob(ref.repository, blob, store.blobs.path(blob.digest), (current, total) => {
        if (isLayer) emit({ id, phase: 'pushing', current, total });
      });
      if (isLayer) emit({ id, phase: 'pushed' });
    }
    const bytes = await store.blobs.read(meta.manifest.digest);
    const digest = await client.putManifest(ref.repository, tag, meta.manifest.mediaType, bytes);
    await store.addRepoDigest(meta.id, `${name}@${digest}`);
    return { tag, digest, size: bytes.length };
  } finally {
    client.close();
  }
}
