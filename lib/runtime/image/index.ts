/**
 * berth's image store: layered images loaded from Docker and OCI archives, pulled from registries,
 * imported from rootfs tarballs or directories, or made from a static busybox, with Docker's
 * references, tags and `rmi` rules.
 */
export { ImageStore, type ImageStoreOptions, type StagedImage } from './image-store';
export { type ImportOptions } from './local-image';
export { type LoadResult } from './image-archive';
export { type ImageConfig, type ImageInfo, DEFAULT_PATH_ENV, IMPORT_CONFIG } from './image-config';
export { ImageError, type ImageErrorKind } from './image-error';
export { parseImageRef, formatImageRef, DEFAULT_TAG, type ImageRef } from './image-ref';
export { formatSize } from './format-size';
export { BUSYBOX_CONFIG, DEFAULT_BUSYBOX, isStaticElf } from './busybox-rootfs';
export { matchImage, planRemoval, type ImageMatch, type RemovalPlan } from './image-match';
export { pullImage, pruneDownloads, type PullOptions, type PullResult } from './image-pull';
export { pushImage, type PushOptions, type PushResult } from './image-push';
export { type TransferEvent, type TransferPhase } from './image-registry-progress';
