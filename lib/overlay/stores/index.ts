/** The overlay stores: a JSON file (embedded default) and etcd v3. */
export { FileStore, type FileStoreOptions } from './file-store';
export { EtcdStore, type EtcdStoreOptions } from './etcd-store';
export { StoreError } from './store-error';
export { DEFAULT_PREFIX, canonicalSubnet, checkNetworkName, configKey, subnetKey, subnetOfKey, subnetsPrefix } from './keys';
export { parseLeaseAttrs, sameEndpoint } from './lease-attrs';
