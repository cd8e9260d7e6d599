/**
 * `berth pull`: an image from a registry into the store. The manifest (an index chooses
 * linux/amd64) and config are fetched first; the layer blobs the store lacks are downloaded
 * concurrently into `<images>/downloads`, where a broken pull's partial files stay for the next
 * pull to resume (that directory is locked while a pull downloads, so two pulls never write one
 * file); every blob is verified by size and digest. The layers are then unpacked in a staging area
 * and the image committed as a load is: nothing reaches the store before all of it is there.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { commitOnce } from './image-archive';
import type { ImageInfo } from './image-config';
import { ImageError } from './image-error';
import { formatImageRef, parseImageRef } from './image-ref';
import type { ImageStore, StagedImage } from './image-store';
import type { TransferEvent } from './image-registry-progress';
import { parseOciConfig } from './oci-config';
import { type Descriptor, digestHex, isIndexType, parseIndex, parseManifest } from './oci';
import { RegistryClient, chooseManifest, familiarName, manifestReference, parseRegistryRef, pullBlobs, type RegistryOptions } from './registry';
import { withFileLock } from './store-lock';
import { makeDirsAsync, tryExclusive } from '../../sys';

/** Options of a pull. */
export interface PullOptions extends RegistryOptions {
  onEvent?: (event: TransferEvent) => void;
  /** Downloads at a time (default 3). */
  concurrency?: number;
}

/** What a pull did, for Docker's closing lines. */
export interface PullResult {
  readonly image: ImageInfo;
  /** The manifest's digest (`Digest: sha256:…`). */
  readonly digest: string;
  /** Whether anything new came (`Downloaded newer image` vs `Image is up to date`). */
  readonly updated: boolean;
  /** The reference in Docker's familiar form, with its registry for the last line (`docker.io/library/busybox:latest`). */
  readonly canonical: string;
  /** The tag the image got in the store, if the reference had one. */
  readonly tag?: string;
}

/** Pulls `reference` (`[REGISTRY/]NAME[:TAG|@DIGEST]`). */
export async function pullImage(store: ImageStore, reference: string, opts: PullOptions = {}): Promise<PullResult> {
  const ref = parseRegistryRef(reference);
  const emit = opts.onEvent ?? (() => undefined);
  const client = new RegistryClient(ref.registry, opts);
  try {
    const name = familiarName(ref);
    let fetched = await client.getManifest(ref.repository, manifestReference(ref));
    if (isIndexType(fetched.mediaType)) {
      const choice = chooseManifest(parseIndex(fetched.bytes, name));
      fetched = await client.getManifest(ref.repository, choice.digest);
      if (isIndexType(fetched.mediaType)) throw new ImageError(`${name}: the index entry for linux/amd64 is another index; berth reads one level`, 'invalid');
    }
    const manifest = parseManifest(fetched.bytes, `${name}@${fetched.digest}`);
    const tag = ref.tag === undefined ? undefined : formatImageRef(parseImageRef(`${name}:${ref.tag}`));
    const repoDigest = `${name}@${fetched.digest}`;
    const known = await store.resolve(digestHex(manifest.config.digest)).catch(() => undefined);
    const downloads = join(store.dir, 'downloads');
    await makeDirsAsync(downloads, 0o700);
    const wanted: Descriptor[] = [];
    // Each blob once: a manifest may list one layer twice.
    const blobs = [...new Map([manifest.config, ...manifest.layers].map((b) => [b.digest, b])).values()];
    for (const blob of blobs) {
      if (await store.blobs.has(blob.digest)) {
        if (blob.digest !== manifest.config.digest) emit({ id: blob.digest, phase: 'exists' });
      } else {
        wanted.push(blob);
        if (blob.digest !== manifest.config.digest) emit({ id: blob.digest, phase: 'pulling' });
      }
    }
    return await store.withStaging(async (staging) => {
      await withFileLock(join(downloads, 'lock'), async () => {
        await pullBlobs(client, ref.repository, wanted, downloads, {
          ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
          onProgress: (digest, done, total, phase) => {
            if (digest === manifest.config.digest) return;
            if (phase === 'downloading') emit({ id: digest, phase: 'downloading', current: done, total });
            else if (phase === 'complete' || phase === 'exists') emit({ id: digest, phase: 'download-complete' });
            else emit({ id: digest, phase: 'waiting' });
          },
        });
        // Complete downloads move into the staging area: the next pull of a blob starts afresh only
        // if this one never committed it.
        for (const blob of wanted) {
          await makeDirsAsync(join(staging.blobs.dir, 'sha256'), 0o700);
          await fs.rename(join(downloads, digestHex(blob.digest)), staging.blobs.path(blob.digest));
        }
      }, 24 * 3600_000);
      const stored = await staging.blobs.put(Readable.from([fetched.bytes]), { digest: fetched.digest, size: fetched.bytes.length }, `manifest ${repoDigest}`);
      const image: StagedImage = {
        config: manifest.config,
        manifest: { mediaType: fetched.mediaType, digest: stored.digest, size: stored.size },
        layers: manifest.layers,
        tags: tag === undefined ? [] : [tag],
        repoDigest,
      };
      const { oci } = parseOciConfig(await store.readBlob(staging, manifest.config.digest), repoDigest);
      for (const [i, layer] of manifest.layers.entries()) {
        const diffId = oci.rootfs.diff_ids[i];
        if (diffId !== undefined && !(await store.layers.has(diffId))) emit({ id: layer.digest, phase: 'extracting' });
      }
      await store.unpackMissing(staging, image, repoDigest);
      for (const layer of manifest.layers) emit({ id: layer.digest, phase: 'pull-complete' });
      const [info] = await commitOnce(store, staging, [image], repoDigest);
      const canonical = `${ref.registry}/${ref.repository}${ref.tag === undefined ? `@${fetched.digest}` : `:${ref.tag}`}`;
      const updated = known === undefined || (tag !== undefined && !known.repoTags.includes(tag)) || wanted.length > 0;
      return { image: info!, digest: fetched.digest, updated, canonical, ...(tag === undefined ? {} : { tag }) };
    });
  } finally {
    client.close();
  }
}

/**
 * `image prune`'s part of a pull: deletes what broken pulls left in `<images>/downloads` (partial
 * files kept for a resume), unless a pull is downloading now. Returns the bytes freed.
 */
export async function pruneDownloads(store: ImageStore): Promise<number> {
  const dir = join(store.dir, 'downloads');
  const fd = await fs.open(join(dir, 'lock'), 'r').catch(() => undefined);
  if (fd === undefined) return 0;
  try {
    if (!tryExclusive(fd.fd, join(dir, 'lock'))) return 0;
    let freed = 0;
    for (const name of await fs.readdir(dir)) {
      if (name === 'lock') continue;
      const path = join(dir, name);
      freed += (await fs.lstat(path).catch(() => undefined))?.size ?? 0;
      await fs.rm(path, { force: true, recursive: true });
    }
    return freed;
  } finally {
    await fd.close();
  }
}
