/**
 * Images on disk, under `<root>/images`:
 * - `blobs/sha256/<hex>`: every image's manifest, config and layer blobs as they came (blob-store);
 * - `layers/<hex>/diff`: each layer unpacked once, keyed by its diff ID (layer-store);
 * - `<id>/image.json`: one image (image-meta), `<id>` being the sha256 of its config blob;
 * - `repositories.json`: the tags; `lock`: the store lock.
 * Every addition is built in a locked staging dir (staging.ts) and moved into place under the store
 * lock, so a crash leaves whole images or a temp dir the next operation sweeps; removals move what
 * goes to a locked temp dir under the lock and delete it after.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { loadArchive, saveImages, type LoadResult } from './image-archive';
import { createBusybox, importDir, importTar, type ImportOptions } from './local-image';
import { BlobStore } from './blob-store';
import { type ImageInfo } from './image-config';
import { ImageError, errCode } from './image-error';
import { matchImage, planRemoval, type ImageMatch } from './image-match';
import { infoOf, readMeta, readMetaSync, writeMeta, type ImageMeta } from './image-meta';
import { LayerStore } from './layer-store';
import { parseOciConfig } from './oci-config';
import { type Descriptor, digestHex } from './oci';
import { readRepositories, tagsOf, writeRepositories, type Repositories } from './repositories';
import { Staging } from './staging';
import { claimTempDir, discardDirs, type LockedDir } from './temp-dirs';
import { DEFAULT_LOCK_TIMEOUT_MS, withFileLock } from './store-lock';
import { DEFAULT_BERTH_ROOT } from '../../paths';
import { makeDirsAsync } from '../../sys';

/** What the store needs from outside, injectable for tests. */
export interface ImageStoreOptions {
  /** berth's state root (default /var/lib/berth); images live under `<root>/images`. */
  root?: string;
  /** Clock for `created` of images berth builds. */
  now?: () => Date;
  /** What `importTar('-')` and `load('-')` read (default process.stdin). */
  stdin?: Readable;
  /** How long to wait for the store lock (default 60 s). */
  lockTimeoutMs?: number;
}

/** One image ready to be committed: every blob and layer is in the store or the staging area. */
export interface StagedImage {
  readonly config: Descriptor;
  readonly manifest: Descriptor;
  readonly layers: readonly Descriptor[];
  /** `name:tag` references to point at it. */
  readonly tags: readonly string[];
  /** `name@sha256:…` to record (a pull's). */
  readonly repoDigest?: string;
  /** `created` when the config has none. */
  readonly created?: string;
}

const ID = /^[0-9a-f]{64}$/;

/** berth's images: build, load, list, resolve, remove. */
export class ImageStore {
  /** `<root>/images`. */
  readonly dir: string;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly now: () => Date;
  readonly stdin: () => Readable;
  private readonly lockTimeoutMs: number;

  constructor(opts: ImageStoreOptions = {}) {
    this.dir = join(opts.root ?? DEFAULT_BERTH_ROOT, 'images');
    this.blobs = new BlobStore(join(this.dir, 'blobs'));
    this.layers = new LayerStore(join(this.dir, 'layers'));
    this.now = opts.now ?? (() => new Date());
    this.stdin = () => opts.stdin ?? process.stdin;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  }

  /** Every image, newest first; a dangling one has no tags. */
  async list(): Promise<ImageInfo[]> {
    const repos = await readRepositories(this.dir);
    const metas = await Promise.all((await this.ids()).map((id) => readMeta(this.dir, id)));
    return metas
      .filter((m): m is ImageMeta => m !== undefined)
      .map((m) => infoOf(m, tagsOf(repos, m.id)))
      .sort((a, b) => (a.created === b.created ? (a.id < b.id ? -1 : 1) : a.created < b.created ? 1 : -1));
  }

  /**
   * The image `ref` names: "name", "name:tag", a full id, "sha256:<id>" or a unique id prefix.
   * @throws ImageError not-found `No such image: busybox:latest`.
   */
  async resolve(ref: string): Promise<ImageInfo> {
    return infoOf(...(await this.resolveMeta(ref)));
  }

  /** resolve(), with the stored meta (blobs, manifest) the save and push paths need. */
  async resolveMeta(ref: string): Promise<[ImageMeta, string[]]> {
    const repos = await readRepositories(this.dir);
    const match = matchImage(ref, repos, await this.ids());
    const meta = await readMeta(this.dir, match.id);
    if (!meta) throw new ImageError(`No such image: ${ref}`, 'not-found');
    return [meta, tagsOf(repos, meta.id)];
  }

  /**
   * The overlayfs lower directories of image `id`, topmost first (`lowerdir` order). Synchronous:
   * the start path asks it between namespace steps.
   */
  lowerdirs(id: string): string[] {
    if (!ID.test(id)) throw new ImageError(`invalid image id ${JSON.stringify(id)}: want 64 hex digits`, 'invalid');
    const meta = readMetaSync(this.dir, id);
    if (meta.layers === undefined) return [join(this.dir, id, 'rootfs')];
    return [...meta.layers].reverse().map((d) => this.layers.mountPath(d));
  }

  /** The directory of the image's top layer (the whole rootfs of a one-layer image). */
  rootfs(id: string): string {
    if (!ID.test(id)) throw new ImageError(`invalid image id ${JSON.stringify(id)}: want 64 hex digits`, 'invalid');
    const meta = readMetaSync(this.dir, id);
    if (meta.layers === undefined) return join(this.dir, id, 'rootfs');
    return this.layers.diffDir(meta.layers.at(-1)!);
  }

  /** `docker import FILE|- REF` (local-image.ts). */
  importTar(path: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
    return importTar(this, path, ref, opts);
  }

  /** Imports a copy of a directory (local-image.ts). */
  importDir(dir: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
    return importDir(this, dir, ref, opts);
  }

  /** The busybox image from a static busybox binary (local-image.ts). */
  createBusybox(ref?: string, busybox?: string): Promise<ImageInfo> {
    return createBusybox(this, ref, busybox);
  }

  /** `docker load`: an archive from `path`, `-` for stdin (image-archive.ts). */
  async load(path: string): Promise<LoadResult> {
    const what = path === '-' ? 'stdin' : path;
    return loadArchive(this, path === '-' ? this.stdin() : await openArchive(path), what);
  }

  /** `docker save` of `refs` to `out` (image-archive.ts). */
  save(refs: readonly string[], out: Writable): Promise<void> {
    return saveImages(this, refs, out);
  }

  /**
   * `docker rmi [-f] REF`, with Docker's rules (see planRemoval) and report lines. `usedBy` names
   * the containers using an image; it is asked under the store lock. Layers and blobs no remaining
   * image uses go with the image ("Deleted: sha256:<diff ID>" for each layer).
   */
  async remove(ref: string, opts: { force?: boolean; usedBy: (imageId: string) => readonly string[] }): Promise<string[]> {
    await this.ensureDir();
    const doomed: LockedDir[] = [];
    try {
      return await withFileLock(this.lockPath(), async () => {
        const repos = await readRepositories(this.dir);
        const match: ImageMatch = matchImage(ref, repos, await this.ids());
        const plan = planRemoval(ref, match, repos, opts.force === true, opts.usedBy(match.id));
        if (plan.untag.length > 0) {
          const next = { ...repos };
          for (const tag of plan.untag) delete next[tag];
          await writeRepositories(this.dir, next);
        }
        const lines = [...plan.lines];
        if (plan.deleteImage) {
          const { temp, stale } = await claimTempDir(this.dir);
          doomed.push(temp, ...stale);
          await fs.rename(join(this.dir, match.id), join(temp.path, 'image'));
          lines.push(...(await this.collectGarbage(temp.path)));
        }
        return lines;
      }, this.lockTimeoutMs);
    } finally {
      await discardDirs(doomed);
    }
  }

  /**
   * Runs `fn` with a fresh staging area (and sweeps those that crashes left); the area is deleted
   * after, whatever `fn` committed from it.
   */
  async withStaging<T>(fn: (staging: Staging) => Promise<T>): Promise<T> {
    await this.ensureDir();
    const { temp, stale } = await withFileLock(this.lockPath(), async () => {
      const claimed = await claimTempDir(this.dir);
      // A crashed operation's temp dir: it may have died inside a commit, having moved some layers
      // and blobs into the store but written no image that uses them. Those go now.
      if (claimed.stale.length > 0) await this.collectGarbage(join(claimed.temp.path, 'garbage'));
      return claimed;
    }, this.lockTimeoutMs);
    await discardDirs(stale);
    try {
      return await fn(new Staging(temp));
    } finally {
      await discardDirs([temp]);
    }
  }

  /**
   * Unpacks into `staging` every layer of `image` that the store does not have yet. The blobs are
   * read from the staging area, else from the store.
   */
  async unpackMissing(staging: Staging, image: StagedImage, what: string): Promise<void> {
    const { oci } = parseOciConfig(await this.readBlob(staging, image.config.digest), what);
    const diffIds = oci.rootfs.diff_ids;
    if (diffIds.length !== image.layers.length) {
      throw new ImageError(`${what}: the image config lists ${diffIds.length} layers (rootfs.diff_ids), the manifest ${image.layers.length}`, 'invalid');
    }
    for (const [i, blob] of image.layers.entries()) {
      const diffId = diffIds[i]!;
      if ((await this.layers.has(diffId)) || (await staging.layers.has(diffId))) continue;
      const from = (await staging.blobs.has(blob.digest)) ? staging.blobs : this.blobs;
      await staging.unpack(blob, from.open(blob.digest), diffId, `${what}: layer ${i + 1} (${blob.digest})`);
    }
  }

  /**
   * Moves the staged blobs and layers of `images` into the store and points their tags at them,
   * under the store lock. Returns what each image is now.
   * @throws ImageError conflict when a layer or blob it relied on in the store was removed meanwhile
   *   (by an rmi racing this): nothing was changed; running the operation again redoes it.
   */
  async commit(staging: Staging, images: readonly StagedImage[]): Promise<ImageInfo[]> {
    return withFileLock(this.lockPath(), async () => {
      const prepared: ImageMeta[] = [];
      for (const image of images) prepared.push(await this.metaOf(staging, image));
      for (const [i, image] of images.entries()) {
        const meta = prepared[i]!;
        for (const blob of [image.config, image.manifest, ...image.layers]) {
          if (await staging.blobs.has(blob.digest)) await this.blobs.adopt(staging.blobs, blob.digest);
        }
        for (const diffId of meta.layers!) {
          if (await staging.layers.has(diffId)) await this.layers.adopt(staging.layers, diffId);
        }
        const target = join(this.dir, meta.id);
        const existing = await readMeta(this.dir, meta.id);
        if (existing === undefined) {
          const dir = staging.scratch(`image-${meta.id}`);
          await fs.mkdir(dir, { mode: 0o755 });
          await writeMeta(dir, meta);
          await fs.rename(dir, target);
        } else if (image.repoDigest !== undefined && !(existing.repoDigests ?? []).includes(image.repoDigest)) {
          await writeMeta(target, { ...existing, repoDigests: [...(existing.repoDigests ?? []), image.repoDigest].sort() });
        }
      }
      const repos: Repositories = { ...(await readRepositories(this.dir)) };
      images.forEach((image, i) => image.tags.forEach((t) => (repos[t] = prepared[i]!.id)));
      await writeRepositories(this.dir, repos);
      const out: ImageInfo[] = [];
      for (const meta of prepared) out.push(infoOf((await readMeta(this.dir, meta.id))!, tagsOf(repos, meta.id)));
      return out;
    }, this.lockTimeoutMs);
  }

  /** Points `tag` at the image `ref` names (`docker tag`). */
  async tag(ref: string, tag: string): Promise<void> {
    await this.ensureDir();
    await withFileLock(this.lockPath(), async () => {
      const repos = await readRepositories(this.dir);
      const match = matchImage(ref, repos, await this.ids());
      await writeRepositories(this.dir, { ...repos, [tag]: match.id });
    }, this.lockTimeoutMs);
  }

  /** Records that image `id` is `name@digest` in a registry (after a push). */
  async addRepoDigest(id: string, repoDigest: string): Promise<void> {
    await withFileLock(this.lockPath(), async () => {
      const meta = await readMeta(this.dir, id);
      if (meta === undefined || (meta.repoDigests ?? []).includes(repoDigest)) return;
      await writeMeta(join(this.dir, id), { ...meta, repoDigests: [...(meta.repoDigests ?? []), repoDigest].sort() });
    }, this.lockTimeoutMs);
  }

  /** A blob's bytes from the staging area or the store (small JSON documents). */
  async readBlob(staging: Staging | undefined, digest: string): Promise<Buffer> {
    if (staging !== undefined && (await staging.blobs.has(digest))) return staging.blobs.read(digest);
    return this.blobs.read(digest);
  }

  /** The meta of a staged image, checking that all it needs is at hand. Called under the lock. */
  private async metaOf(staging: Staging, image: StagedImage): Promise<ImageMeta> {
    const id = digestHex(image.config.digest, 'config digest');
    const { oci, config } = parseOciConfig(await this.readBlob(staging, image.config.digest), `image ${id.slice(0, 12)}`);
    for (const blob of [image.config, image.manifest, ...image.layers]) {
      if (!(await staging.blobs.has(blob.digest)) && !(await this.blobs.has(blob.digest))) throw vanished(`blob ${blob.digest}`);
    }
    let size = 0;
    for (const diffId of oci.rootfs.diff_ids) {
      const where = (await staging.layers.has(diffId)) ? staging.layers : (await this.layers.has(diffId)) ? this.layers : undefined;
      if (where === undefined) throw vanished(`layer ${diffId}`);
      size += where.facts(diffId).size;
    }
    return {
      id,
      created: typeof oci.created === 'string' && oci.created !== '' ? oci.created : image.created ?? this.now().toISOString(),
      size,
      config,
      layers: [...oci.rootfs.diff_ids],
      layerBlobs: image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      configBlob: { mediaType: image.config.mediaType, digest: image.config.digest, size: image.config.size },
      manifest: { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size },
      repoDigests: image.repoDigest === undefined ? [] : [image.repoDigest],
      architecture: oci.architecture ?? 'amd64',
      os: oci.os ?? 'linux',
    };
  }

  /**
   * Moves every layer and blob that no image uses into `grave` (under the lock) and returns the
   * report lines. Leftover half-written blob temp files go too.
   */
  private async collectGarbage(grave: string): Promise<string[]> {
    const usedLayers = new Set<string>();
    const usedBlobs = new Set<string>();
    for (const id of await this.ids()) {
      const meta = await readMeta(this.dir, id);
      if (meta === undefined) continue;
      for (const d of meta.layers ?? []) usedLayers.add(d);
      for (const b of [meta.configBlob, meta.manifest, ...(meta.layerBlobs ?? [])]) if (b) usedBlobs.add(b.digest);
    }
    const lines: string[] = [];
    await fs.mkdir(join(grave, 'layers'), { recursive: true });
    for (const diffId of await this.layers.list()) {
      if (usedLayers.has(diffId)) continue;
      await this.layers.bury(diffId, join(grave, 'layers', digestHex(diffId)));
      lines.push(`Deleted: ${diffId}`);
    }
    for (const digest of await this.blobs.list()) if (!usedBlobs.has(digest)) await this.blobs.remove(digest);
    await this.layers.pruneLinks();
    return lines;
  }

  private async ids(): Promise<string[]> {
    const entries = await fs.readdir(this.dir).catch((err: unknown) => (errCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
    return entries.filter((e) => ID.test(e));
  }

  private lockPath(): string {
    return join(this.dir, 'lock');
  }

  private async ensureDir(): Promise<void> {
    // The berth root is shared with volumes and containers: created with default modes; the
    // images directory itself is private, as Docker's image store is.
    await makeDirsAsync(dirname(this.dir));
    await makeDirsAsync(this.dir, 0o700);
  }
}

/** The archive file at `path`, refused clearly when it is missing or a directory. */
async function openArchive(path: string): Promise<Readable> {
  const st = await fs.stat(path).catch((err: unknown) => {
    throw new ImageError(`open ${path}: ${errCode(err) === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`, 'invalid', { cause: err });
  });
  if (st.isDirectory()) throw new ImageError(`${path} is a directory, not an image archive`, 'invalid');
  return createReadStream(path);
}

function vanished(what: string): ImageError {
  return new ImageError(`${what} was removed from the image store while this operation ran (by a concurrent rmi); run it again`, 'conflict');
}
