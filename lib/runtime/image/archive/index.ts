/**
 * Image archives: what `docker load` reads (Docker archives old and new, OCI image layouts, gzipped
 * or not) and what `docker save` writes (Docker 25+'s OCI layout with manifest.json), byte-stable.
 */
export { type BlobSink, type ArchiveImage, type SaveImage } from './archive-types';
export { readImageArchive } from './read-image-archive';
export { writeImageArchive } from './write-image-archive';
export { manifestFor } from '../oci';
