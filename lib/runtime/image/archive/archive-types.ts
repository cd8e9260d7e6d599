/** What the archive reader hands out and what the writer takes. */
import type { Readable } from 'node:stream';
import type { Descriptor } from '../oci';

/**
 * Where the reader puts blobs: implemented by the image store (staging). put() streams `stream` into
 * the blob named by its sha256, verifying while streaming against `expect` (digest and/or size, when
 * known) and rejecting with ImageError on mismatch. `what` names the blob in messages.
 */
export interface BlobSink {
  put(stream: Readable, expect: { digest?: string; size?: number }, what: string): Promise<{ digest: string; size: number }>;
}

/** One image found in an archive; every blob it names has been put into the sink. */
export interface ArchiveImage {
  /** `name:tag` as parseImageRef/formatImageRef normalise them (familiar names); [] when untagged. */
  repoTags: string[];
  /** The config blob: its digest is the image ID. */
  config: Descriptor;
  /** The OCI/schema2 manifest blob, when the archive has one (Docker 25+, OCI layouts). */
  manifest?: Descriptor;
  /** Layer blobs, bottom first, as stored (media type kept; legacy `layer.tar` -> MEDIA.dockerLayer). */
  layers: Descriptor[];
}

/** One image to write: every descriptor names a blob `open` can stream. */
export interface SaveImage {
  repoTags: string[];
  config: Descriptor;
  manifest: Descriptor;
  layers: Descriptor[];
}
