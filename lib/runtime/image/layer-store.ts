/**
 * Unpacked layers, one directory per diff ID (the sha256 of the layer's uncompressed tar), shared
 * by every image that has the layer: `<dir>/<hex>/diff` is an overlayfs lower layer (whiteouts
 * already converted), `<dir>/<hex>/layer.json` its facts. A layer is unpacked in a staging dir and
 * renamed into place whole, so a directory here is always a complete layer.
 */
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  constructor(dir: string) {
    this.dir = dir;
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
