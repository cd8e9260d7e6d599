import type { Lease, NodeLeaseFile, OverlayConfig } from '../../lib/overlay';

/** The node's bridge for a network's containers: `berth-ov<vni>`, hex past 7 digits (IFNAMSIZ is 16). */
export function bridgeName(vni: number): string {
  const name = `berth-ov${vni}`;
  return name.length <= 15 ? name : `berth-ov${vni.toString(16)}`;
}

/** What berthd writes for the overlay plugin of `network` (lib/overlay/lease-file writes it). */
export function nodeLeaseFile(network: string, config: OverlayConfig, lease: Lease, mtu: number): NodeLeaseFile {
  return {
    name: network, network: config.Network, subnet: lease.subnet, mtu, vni: config.Backend.VNI,
    bridge: bridgeName(config.Backend.VNI), ...(lease.expiresAt !== undefined ? { expiresAt: lease.expiresAt } : {}),
  };
}
