/**
 * Image layers on disk: unpacking a layer blob into a directory overlayfs can stack (whiteouts
 * converted), packing such a directory back into a deterministic layer tar, and measuring one.
 */
export { unpackLayer, type UnpackedLayer } from './unpack-layer';
export { packLayer } from './pack-layer';
export { layerSize } from './layer-size';
