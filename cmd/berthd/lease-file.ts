import type { Lease, NodeLeaseFile, OverlayConfig } from '../../lib/overlay';

/** The node's bridge for a network's containers: `berth-ov<vni>`, hex past 7 digits (IFNAMSIZ is 16). */
export function bridgeName(vni: number): string {
  const name = `berth-ov${vni}`;
  return name.length <= 15 ? name : `berth-ov${vni.toString(16)}`;
}

/**
 * What berthd writes for the overlay plugin of `network` (lib/overlay/lease-file writes it). With
 * `lease6` (a dual-stack network's IPv6 lease) the file carries ipv6Network and ipv6Subnet too, and
 * expires with the earlier of the two leases: past it, one of the subnets may be another node's.
 */
export function nodeLeaseFile(network: string, config: OverlayConfig, lease: Lease, mtu: number, lease6?: Lease): NodeLeaseFile {
  const expiries = [lease.expiresAt, lease6?.expiresAt].filter((e): e is number => e !== undefined);
  return {
    name: network, network: config.Network, subnet: lease.subnet,
    ...(lease6 !== undefined && config.IPv6Network !== undefined ? { ipv6Network: config.IPv6Network, ipv6Subnet: lease6.subnet } : {}),
    mtu, vni: config.Backend.VNI,
    bridge: bridgeName(config.Backend.VNI), ...(expiries.length > 0 ? { expiresAt: Math.min(...expiries) } : {}),
  };
}
