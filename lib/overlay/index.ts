/**
 * Overlay networks across hosts (flannel's L3 VXLAN scheme): the shared model, the store contract and
 * its two stores, subnet allocation, the peers' lease cache, the node lease file (berthd writes it,
 * the overlay plugin reads it), and the datapath it drives (the VXLAN device and the per-peer entries).
 */
export * from './types';
export * from './store';
export * from './stores';
export {
  OverlayConfigError, SubnetUnavailableError, acquireLease, chooseSubnet, configFamilies, defaultIPv6SubnetLen, defaultSubnetLen, validateConfig,
  type AcquireOptions, type SubnetChoice,
} from './allocate';
export { LeaseWatcher, type LeaseWatcherOptions } from './lease-watcher';
export {
  LEASE_MTU_MIN, LEASE_MTU_MAX, LeaseFileError, leaseFilePath, parseLeaseFile, readLeaseFile, writeLeaseFile, removeLeaseFile,
  leaseExpired,
} from './lease-file';
export * from './datapath';
