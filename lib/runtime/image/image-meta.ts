/**
 * `<images>/<id>/image.json`: what the store knows of one image beyond its tags: the run defaults
 * read from its config, its layers (diff IDs and the blobs they came from), its manifest, and the
 * repository digests it was pulled or pushed under. Written once when the image is committed;
 * rewritten whole (durably) only to add a repository digest.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig, ImageInfo } from './image-config';
import { ImageError, errCode } from './image-error';
import type { Descriptor } from './oci';
import { writeFileDurable } from '../../sys';

/** image.json. */
export interface ImageMeta {
  id: string;
  created: string;
  size: number;
  config: ImageConfig;
  /** Diff IDs, bottom first. Absent in images stored before layers (their files are `<id>/rootfs`). */
  layers?: string[];
  /** The layer blobs, as the manifest lists them. */
  layerBlobs?: Descriptor[];
  /** The config blob (its digest is `sha256:<id>`). */
  configBlob?: Descriptor;
  manifest?: Descriptor;
  repoDigests?: string[];
  architecture?: string;
  os?: string;
}

export const META_FILE = 'image.json';

/** The image's meta, or undefined when there is no such image. */
export async function readMeta(imagesDir: string, id: string): Promise<ImageMeta | undefined> {
  try {
    return JSON.parse(await fs.readFile(join(imagesDir, id, META_FILE), 'utf8')) as ImageMeta;
  } catch (err) {
    if (errCode(err) === 'ENOENT') return undefined;
    throw new ImageError(`reading image ${id}: ${(err as Error).message}`, 'io', { cause: err });
  }
}

/** readMeta for the synchronous start path. */
export function readMetaSync(imagesDir: string, id: string): ImageMeta {
  try {
    return JSON.parse(readFileSync(join(imagesDir, id, META_FILE), 'utf8')) as ImageMeta;
  } catch (err) {
    if (errCode(err) === 'ENOENT') throw new ImageError(`No such image: sha256:${id}`, 'not-found');
    throw new ImageError(`reading image ${id}: ${(err as Error).message}`, 'io', { cause: err });
  }
}

export async function writeMeta(dir: string, meta: ImageMeta): Promise<void> {
  await writeFileDurable(join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o644 });
}

/** The ImageInfo of `meta` with `repoTags`. */
export function infoOf(meta: ImageMeta, repoTags: string[]): ImageInfo {
  return {
    id: meta.id,
    repoTags,
    created: meta.created,
    size: meta.size,
    config: meta.config,
    layers: meta.layers ?? [],
    repoDigests: meta.repoDigests ?? [],
    architecture: meta.architecture ?? 'amd64',
    os: meta.os ?? 'linux',
  };
}
