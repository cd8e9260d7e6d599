/**
 * Overlay networks across hosts (flannel's L3 VXLAN scheme): the shared model, the store contract and
 * its two stores, subnet allocation, the peers' lease cache, and the datapath it drives (the VXLAN
 * device and the per-peer entries).
 */
export * from './types';
export * from './store';
export * from './stores';
export { OverlayConfigError, SubnetUnavailableError, acquireLease, chooseSubnet, defaultSubnetLen, validateConfig, type AcquireOptions, type SubnetChoice } from './allocate';
export { LeaseWatcher, type LeaseWatcherOptions } from './lease-watcher';
export * from './datapath';
