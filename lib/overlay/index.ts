/**
 * Overlay networks across hosts (flannel's L3 VXLAN scheme): the shared model, the store contract and
 * its two stores, subnet allocation, and the peers' lease cache the datapath is driven from.
 */
export * from './types';
export * from './store';
export * from './stores';
export { OverlayConfigError, SubnetUnavailableError, acquireLease, chooseSubnet, defaultSubnetLen, validateConfig, type AcquireOptions, type SubnetChoice } from './allocate';
export { LeaseWatcher, type LeaseWatcherOptions } from './lease-watcher';
