/**
 * `berth load` and `berth save`: Docker's and OCI's image archives (archive/) into and out of the
 * store. A load streams every blob into a staging area, verified as it goes, unpacks the layers the
 * store lacks, and commits all the archive's images at once: a corrupt or truncated archive fails
 * before anything reaches the store.
 */
import { Readable, type Writable } from 'node:stream';
import { readImageArchive, writeImageArchive, type SaveImage } from './archive';
import { ImageError } from './image-error';
import { formatImageRef, parseImageRef } from './image-ref';
import type { ImageStore, StagedImage } from './image-store';
import { manifestFor, type Descriptor } from './oci';
import type { ImageInfo } from './image-config';
import type { Staging } from './staging';

/** What `load` reports: the images and the tags they got. */
export interface LoadResult {
  readonly images: ImageInfo[];
  /** Docker's lines: "Loaded image: name:tag" per tag, "Loaded image ID: sha256:…" for an untagged image. */
  readonly lines: string[];
}

/** Loads the archive `source` (`what` names it in errors). */
export async function loadArchive(store: ImageStore, source: Readable, what: string): Promise<LoadResult> {
  return store.withStaging(async (staging) => {
    const found = await readImageArchive(source, staging.blobs, what);
    if (found.length === 0) throw new ImageError(`${what}: the archive holds no image`, 'invalid');
    const staged: StagedImage[] = [];
    for (const image of found) {
      const manifest = image.manifest ?? (await stageManifest(staging, image.config, image.layers));
      const tags = image.repoTags.map((t) => formatImageRef(parseImageRef(t)));
      const one: StagedImage = { config: image.config, manifest, layers: image.layers, tags };
      await store.unpackMissing(staging, one, what);
      staged.push(one);
    }
    const images = await commitOnce(store, staging, staged, what);
    const lines = staged.flatMap((s, i) => (s.tags.length > 0 ? s.tags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: sha256:${images[i]!.id}`]));
    return { images, lines };
  });
}

/**
 * Writes `refs`' images to `out` as `docker save` does (each image once, with the tags named).
 */
export async function saveImages(store: ImageStore, refs: readonly string[], out: Writable): Promise<void> {
  const byId = new Map<string, SaveImage>();
  for (const ref of refs) {
    const [meta, tags] = await store.resolveMeta(ref);
    if (meta.layers === undefined || meta.manifest === undefined || meta.configBlob === undefined || meta.layerBlobs === undefined) {
      throw new ImageError(`image ${ref} was stored by a berth without layers and cannot be saved; import it again`, 'invalid');
    }
    // As Docker: a tag saves that tag; an ID saves the image untagged.
    const named = isTagRef(ref, tags) ? [formatImageRef(parseImageRef(ref))] : [];
    const prev = byId.get(meta.id);
    const repoTags = [...new Set([...(prev?.repoTags ?? []), ...named])].sort();
    byId.set(meta.id, { repoTags, config: meta.configBlob, manifest: meta.manifest, layers: meta.layerBlobs });
  }
  await writeImageArchive(out, [...byId.values()], (digest) => store.blobs.open(digest));
}

/** Whether `ref` is one of the image's tags (as opposed to an ID or ID prefix). */
function isTagRef(ref: string, tags: readonly string[]): boolean {
  try {
    return tags.includes(formatImageRef(parseImageRef(ref)));
  } catch {
    return false;
  }
}

/** A manifest for an archive that has none (Docker's legacy format), staged as a blob. */
async function stageManifest(staging: Staging, config: Descriptor, layers: readonly Descriptor[]): Promise<Descriptor> {
  const { bytes, descriptor } = manifestFor(config, layers);
  await staging.blobs.put(Readable.from([bytes]), descriptor, 'manifest');
  return descriptor;
}

/** Commits, redoing the unpack once if a concurrent rmi took a layer the store had. */
export async function commitOnce(store: ImageStore, staging: Staging, staged: readonly StagedImage[], what: string): Promise<ImageInfo[]> {
  try {
    return await store.commit(staging, staged);
  } catch (err) {
    if (!(err instanceof ImageError) || err.kind !== 'conflict') throw err;
    for (const s of staged) await store.unpackMissing(staging, s, what);
    return store.commit(staging, staged);
  }
}
