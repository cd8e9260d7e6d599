/**
 * Unpacked layers, one directory per diff ID (the sha256 of the layer's uncompressed tar), shared
 * by every image that has the layer: `<dir>/<hex>/diff` is an overlayfs lower layer (whiteouts
 * already converted), `<dir>/<hex>/layer.json` its facts. A layer is unpacked in a staging dir and
 * renamed into place whole, so a directory here is always a complete layer.
 *
 * Beside `<dir>`, `l/<20 hex>` is a short symlink to each layer's diff directory, as overlay2's `l/`:
 * a mount's options are one page, and with the short names about 90 layers fit in it, not 40.
 */
import { promises as fs, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ImageError, errCode } from './image-error';
import { digestHex } from './oci';
import { removeTree } from './remove-tree';
import { makeDirsAsync } from '../../sys';

/** What layer.json says. */
export interface LayerFacts {
  readonly diffId: string;
  /** Bytes of its regular files, each inode once. */
  readonly size: number;
}

const FACTS = 'layer.json';

/** The layers directory of an image store, or of a staging area. */
export class LayerStore {
  readonly dir: string;
  /** `<dir>/../l`: the short links. */
  readonly linkDir: string;

  constructor(dir: string) {
    this.dir = dir;
    this.linkDir = join(dirname(dir), 'l');
  }

  /** The short link of layer `diffId` (whether or not it is there). */
  shortLink(diffId: string): string {
    return join(this.linkDir, digestHex(diffId, 'diff ID').slice(0, 20));
  }

  /**
   * What a mount's lowerdir names layer `diffId` by: its short link when that points at it, else
   * (a layer stored before the links, or two diff IDs sharing 80 bits) its diff directory.
   */
  mountPath(diffId: string): string {
    const link = this.shortLink(diffId);
    try {
      if (readlinkSync(link) === linkTarget(diffId)) return link;
    } catch {
      // no link
    }
    return this.diffDir(diffId);
  }

  /** `<dir>/<hex>`: the layer's own directory. */
  home(diffId: string): string {
    return join(this.dir, digestHex(diffId, 'diff ID'));
  }

  /** The overlayfs lower directory of layer `diffId`. */
  diffDir(diffId: string): string {
    return join(this.home(diffId), 'diff');
  }

  async has(diffId: string): Promise<boolean> {
    return fs.access(join(this.home(diffId), FACTS)).then(() => true, () => false);
  }

  /** Records a layer unpacked into `diffDir(diffId)` of this (staging) store as complete. */
  async seal(facts: LayerFacts): Promise<void> {
    await fs.writeFile(join(this.home(facts.diffId), FACTS), `${JSON.stringify(facts)}\n`, { mode: 0o644 });
  }

  /** A fresh, empty `diff` directory for `diffId`, in this (staging) store. */
  async prepare(diffId: string): Promise<string> {
    await makeDirsAsync(this.home(diffId), 0o700);
    const diff = this.diffDir(diffId);
    await fs.mkdir(diff, { mode: 0o755 });
    return diff;
  }

  facts(diffId: string): LayerFacts {
    try {
      return JSON.parse(readFileSync(join(this.home(diffId), FACTS), 'utf8')) as LayerFacts;
    } catch (err) {
      throw new ImageError(`layer ${diffId}: ${errCode(err) === 'ENOENT' ? 'not in the image store' : (err as Error).message}`, errCode(err) === 'ENOENT' ? 'not-found' : 'io', { cause: err });
    }
  }

  /** Moves a sealed layer from `staging` into this store (the staging copy stays when one is here). */
  async adopt(staging: LayerStore, diffId: string): Promise<void> {
    if (await this.has(diffId)) return;
    await makeDirsAsync(this.dir, 0o711);
    // Made passable only now: a half-unpacked layer in staging is never reachable by others.
    await fs.chmod(staging.home(diffId), 0o711);
    await fs.rename(staging.home(diffId), this.home(diffId));
    await makeDirsAsync(this.linkDir, 0o711);
    await fs.symlink(linkTarget(diffId), this.shortLink(diffId)).catch((err: unknown) => {
      if (errCode(err) !== 'EEXIST') throw err;
    });
  }

  /** Removes the short links whose layer is gone (after a removal, or a crash inside one). */
  async pruneLinks(): Promise<void> {
    const names = await fs.readdir(this.linkDir).catch((err: unknown) => (errCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
    for (const name of names) {
      const link = join(this.linkDir, name);
      if (!(await fs.stat(link).then(() => true, () => false))) await fs.rm(link, { force: true });
    }
  }

  /** Every layer here. */
  async list(): Promise<string[]> {
    const names = await fs.readdir(this.dir).catch((err: unknown) => (errCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
    return names.filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Moves layer `diffId` to `grave` (a locked temp path on the same filesystem) for deletion. */
  async bury(diffId: string, grave: string): Promise<void> {
    await fs.rename(this.home(diffId), grave).catch((err: unknown) => {
      if (errCode(err) !== 'ENOENT') throw err;
    });
  }

  /** Deletes layer `diffId` outright (staging use). */
  async remove(diffId: string): Promise<void> {
    await removeTree(this.home(diffId));
  }
}

/** A short link's target: relative, so the store can move as a whole. */
function linkTarget(diffId: string): string {
  return `../layers/${digestHex(diffId, 'diff ID')}/diff`;
}
