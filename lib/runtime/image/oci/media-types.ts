/**
 * The media types of the image formats berth reads and writes: OCI's and Docker's schema2 (the
 * distribution spec treats them as equivalent; a layer's bytes are the same either way).
 */
export const MEDIA = Object.freeze({
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
});

/** Manifest lists and OCI indexes: a choice among per-platform manifests. */
export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerManifestList;
}

/** Single-platform image manifests. */
export function isManifestType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest;
}

/** Layer media types berth can unpack (plain tar and gzip; the content sniffed decides, not the name). */
export function isLayerType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA.ociLayer || mediaType === MEDIA.ociLayerGzip || mediaType === MEDIA.dockerLayer || mediaType === MEDIA.dockerLayerGzip
    || mediaType === 'application/vnd.oci.image.layer.nondistributable.v1.tar' || mediaType === 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'
    || mediaType === 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
}
