/**
 * Images berth builds itself, each one layer: from a rootfs tarball or a directory (`docker
 * import`) or from the host's static busybox. The tree is made in the staging area, packed into a
 * layer blob (its digest is the diff ID: the layer is stored uncompressed) and given a config and
 * a manifest, so these images save and push like any other.
 */
import { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { BUSYBOX_CONFIG, DEFAULT_BUSYBOX, buildBusyboxRootfs } from './busybox-rootfs';
import { IMPORT_CONFIG, completeConfig, type ImageConfig, type ImageInfo } from './image-config';
import { ImageError, errCode } from './image-error';
import { formatImageRef, parseImageRef } from './image-ref';
import type { ImageStore } from './image-store';
import { packLayer } from './layer';
import { ociConfigFor } from './oci-config';
import { MEDIA, manifestFor, type Descriptor } from './oci';
import { copyTree, extractTar } from './rootfs-import';
import type { Staging } from './staging';

/** Options of the imports. */
export interface ImportOptions {
  /** Run defaults (`docker import --change`); missing fields default to empty. */
  config?: Partial<ImageConfig>;
}

/** `docker import FILE|- REF`: a rootfs tarball (plain or compressed), `-` for stdin. */
export async function importTar(store: ImageStore, path: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
  const tag = formatImageRef(parseImageRef(ref));
  const config = completeConfig(opts.config, IMPORT_CONFIG);
  const what = path === '-' ? 'stdin' : path;
  const source = path === '-' ? store.stdin() : await openFile(path);
  return buildImage(store, tag, config, store.now().toISOString(), 'berth image import', async (rootfs) => {
    await extractTar(source, rootfs, what);
  });
}

/** Imports a copy of the directory `dir` (modes, owners, links and devices preserved). */
export async function importDir(store: ImageStore, dir: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
  const tag = formatImageRef(parseImageRef(ref));
  const config = completeConfig(opts.config, IMPORT_CONFIG);
  const st = await fs.stat(dir).catch((err: unknown) => {
    throw new ImageError(`importing ${dir}: ${errCode(err) === 'ENOENT' ? 'no such directory' : (err as Error).message}`, 'invalid', { cause: err });
  });
  if (!st.isDirectory()) throw new ImageError(`importing ${dir}: not a directory`, 'invalid');
  return buildImage(store, tag, config, store.now().toISOString(), 'berth image import', (rootfs) => copyTree(dir, rootfs));
}

/**
 * Makes the busybox image from a statically linked busybox binary (Debian's busybox-static). Its
 * timestamps are the binary's, so the same binary always gives the same image ID.
 */
export async function createBusybox(store: ImageStore, ref = 'busybox', busybox = DEFAULT_BUSYBOX): Promise<ImageInfo> {
  const tag = formatImageRef(parseImageRef(ref));
  const mtime = await fs.stat(busybox).then((s) => s.mtime, () => new Date(0));
  return buildImage(store, tag, completeConfig(undefined, BUSYBOX_CONFIG), mtime.toISOString(), 'berth image busybox', async (rootfs) => {
    await buildBusyboxRootfs(rootfs, busybox);
    await touchTree(rootfs, mtime);
  });
}

/** Fills a tree in staging, packs it, and commits the one-layer image. */
async function buildImage(store: ImageStore, tag: string, config: ImageConfig, created: string, createdBy: string, fill: (rootfs: string) => Promise<void>): Promise<ImageInfo> {
  return store.withStaging(async (staging) => {
    const rootfs = staging.scratch('rootfs');
    await fs.mkdir(rootfs, { mode: 0o755 });
    await fill(rootfs).catch((err: unknown) => {
      if (err instanceof ImageError) throw err;
      throw new ImageError(`building image ${tag}: ${(err as Error).message}`, 'io', { cause: err });
    });
    const layer = await staging.blobs.put(packLayer(rootfs), {}, `image ${tag}: layer`);
    const diffId = layer.digest;
    await moveBuiltLayer(staging, rootfs, diffId);
    const layerDesc: Descriptor = { mediaType: MEDIA.ociLayer, digest: layer.digest, size: layer.size };
    const configBlob = await putBytes(staging, ociConfigFor(config, [diffId], created, createdBy), `image ${tag}: config`);
    const configDesc: Descriptor = { mediaType: MEDIA.ociConfig, ...configBlob };
    const manifest = manifestFor(configDesc, [layerDesc]);
    await putBytes(staging, manifest.bytes, `image ${tag}: manifest`);
    const [info] = await store.commit(staging, [{ config: configDesc, manifest: manifest.descriptor, layers: [layerDesc], tags: [tag] }]);
    return info!;
  });
}

/** Makes the built tree the staged layer `diffId` (a copy the store already has is dropped at the commit). */
async function moveBuiltLayer(staging: Staging, rootfs: string, diffId: string): Promise<void> {
  if (await staging.layers.has(diffId)) return;
  const diff = await staging.layers.prepare(diffId);
  await fs.rmdir(diff);
  await fs.rename(rootfs, diff);
  await staging.sealBuilt(diffId);
}

async function putBytes(staging: Staging, bytes: Buffer, what: string): Promise<{ digest: string; size: number }> {
  return staging.blobs.put(Readable.from([bytes]), { size: bytes.length }, what);
}

/** Sets every entry's mtime and atime to `when` (children before their directory). */
async function touchTree(dir: string, when: Date): Promise<void> {
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) await touchTree(path, when);
    else await fs.lutimes(path, when, when);
  }
  await fs.lutimes(dir, when, when);
}

async function openFile(path: string): Promise<Readable> {
  const file = await fs.open(path, 'r').catch((err: unknown) => {
    throw new ImageError(`importing ${path}: ${errCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'invalid', { cause: err });
  });
  // open(2) succeeds on a directory; only the first read would fail, with a less helpful EISDIR.
  if ((await file.stat()).isDirectory()) {
    await file.close();
    throw new ImageError(`importing ${path}: is a directory, not a tarball (import a directory with importDir)`, 'invalid');
  }
  return file.createReadStream();
}
