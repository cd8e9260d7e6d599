/**
 * A load, pull or build in progress: a locked temp dir in the images directory holding the blobs
 * and unpacked layers not yet in the store. Nothing in it is visible to the store until the commit
 * moves it there under the store lock; a crash leaves an unlocked temp dir the next import sweeps.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BlobStore } from './blob-store';
import { ImageError } from './image-error';
import { LayerStore } from './layer-store';
import { layerSize, unpackLayer } from './layer';
import type { Descriptor } from './oci';
import type { LockedDir } from './temp-dirs';

/** The staging area of one operation, over its locked temp dir. */
export class Staging {
  readonly temp: LockedDir;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;

  constructor(temp: LockedDir) {
    this.temp = temp;
    this.blobs = new BlobStore(join(temp.path, 'blobs'));
    this.layers = new LayerStore(join(temp.path, 'layers'));
  }

  /** A scratch path inside the staging area. */
  scratch(name: string): string {
    return join(this.temp.path, name);
  }

  /**
   * Unpacks layer blob `blob` (read from `source`) as layer `diffId`, checking that its
   * uncompressed bytes hash to that diff ID (the image config's promise).
   */
  async unpack(blob: Descriptor, source: Readable, diffId: string, what: string): Promise<void> {
    const dest = await this.layers.prepare(diffId);
    const got = await unpackLayer(source, dest, what);
    if (got.diffId !== diffId) {
      throw new ImageError(`${what}: layer ${blob.digest} unpacks to diff ID ${got.diffId}, but the image config says ${diffId}`, 'invalid');
    }
    await this.layers.seal({ diffId, size: got.size });
  }

  /** Seals a layer built in place (berth's own images) whose diff ID is now known. */
  async sealBuilt(diffId: string): Promise<void> {
    await this.layers.seal({ diffId, size: await layerSize(this.layers.diffDir(diffId)) });
  }
}
