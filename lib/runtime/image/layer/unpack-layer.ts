/**
 * Unpacking one layer blob into a directory that overlayfs will stack: the tar is read as it streams,
 * its uncompressed digest (the layer's diff ID) taken on the way, its whiteouts turned into
 * overlayfs's (see extractor.ts and member-name.ts for the rules a member must pass).
 */
import type { Readable } from 'node:stream';
import { ImageError } from '../image-error';
import { digester } from '../oci';
import { Extractor } from './extractor';
import { layerSize } from './layer-size';
import { tarBytes } from './layer-bytes';
import { TarReader } from './tar-reader';

/** What {@link unpackLayer} learnt of the layer. */
export interface UnpackedLayer {
  /** sha256 of the uncompressed tar, every byte of it (trailing data after the end marker too, as docker). */
  diffId: string;
  /** Bytes of its regular files, each inode once (see {@link layerSize}). */
  size: number;
}

/**
 * Unpacks the layer blob `source` (plain tar or gzip, sniffed from its bytes) into the existing empty
 * directory `dest`. OCI/Docker whiteouts become overlayfs's: `.wh.NAME` a 0/0 character device NAME,
 * `DIR/.wh..wh..opq` the xattr trusted.overlay.opaque=y on DIR. Modes, numeric owners, mtimes, links,
 * devices, fifos and SCHILY.xattr records are kept. A member that would reach outside `dest` (a `..`,
 * a write through a symlink, a hard link out of the layer) refuses the whole layer.
 *
 * On failure `dest` may hold part of the layer: the caller removes it. `what` names the source in errors.
 * @throws ImageError invalid (a bad or malicious archive) or io (the source or the disk failed).
 */
export async function unpackLayer(source: Readable, dest: string, what: string): Promise<UnpackedLayer> {
  const { hash, digest } = digester();
  const bytes = tarBytes(source);
  try {
    const reader = new TarReader(bytes, (chunk) => hash.update(chunk));
    const extractor = new Extractor(dest);
    for (let entry = await reader.next(); entry !== undefined; entry = await reader.next()) await extractor.add(entry, reader);
    await reader.drain();
    extractor.finish();
    return { diffId: digest(), size: await layerSize(dest) };
  } catch (err) {
    if (err instanceof ImageError) throw new ImageError(`${what}: ${err.message}`, err.kind, { cause: err });
    throw new ImageError(`${what}: ${(err as Error).message}`, 'io', { cause: err });
  } finally {
    await bytes.return(undefined).catch(() => {});
  }
}
