/** The OCI / Docker image formats: media types, digests, descriptors, manifests and image configs. */
export { MEDIA, isIndexType, isManifestType, isLayerType } from './media-types';
export { isDigest, digestHex, digestOf, digester } from './digest';
export { type Descriptor, type Platform, type ImageManifest, type ImageIndex, type OciImageConfig } from './descriptor';
export { manifestFor, parseManifest, parseIndex, checkDescriptor } from './manifest';
