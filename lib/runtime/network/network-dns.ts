/**
 * Which networks have berth's embedded DNS, and where its resolver listens on this host.
 *
 * The resolver of a network listens on the network's gateway address on this host, in the netns berth
 * and berthd run in (podman's aardvark-dns scheme), and tells askers apart by their source address.
 * bridge networks: the bridge holds the gateway. overlay networks: the gateway is the first address of
 * the subnet berthd leased for this host, held by the host's overlay bridge. The default `bridge`
 * network has none, as Docker's. macvlan networks have none: a macvlan container cannot reach its
 * host through the parent link (the kernel delivers nothing between a macvlan and its parent), and the
 * gateway is the LAN's router, not an address of this host.
 */
import { readLeaseFile, leaseFilePath } from '../../overlay';
import { DEFAULT_RUN_DIR } from '../../paths';
import { firstHost, parseSubnet } from './subnets';
import type { NetworkInfo } from './types';

/** Whether berth's DNS serves containers on `net`. */
export function hasEmbeddedDns(net: NetworkInfo): boolean {
  return !net.builtin && (net.driver === 'bridge' || net.driver === 'overlay');
}

/**
 * The address the network's resolver listens on here, or undefined when it has none (no DNS, or an
 * overlay network this host holds no lease of yet).
 */
export function resolverAddress(net: NetworkInfo): string | undefined {
  if (!hasEmbeddedDns(net)) return undefined;
  if (net.driver === 'overlay') {
    const runDir = net.overlay?.runDir ?? DEFAULT_RUN_DIR;
    try {
      const lease = readLeaseFile(leaseFilePath(runDir, net.name), net.name);
      return lease === undefined ? undefined : firstHost(parseSubnet(lease.subnet));
    } catch {
      return undefined; // a torn or foreign lease file: the overlay plugin refuses it too
    }
  }
  if (net.gateway !== undefined) return net.gateway;
  return net.subnet === undefined ? undefined : firstHost(parseSubnet(net.subnet));
}
