/**
 * The overlay's shared model, after flannel's (research A1/B): one config per overlay network, one
 * subnet lease per node, kept in a store (a JSON file or etcd) under
 *   <prefix>/<network>/config               OverlayConfig
 *   <prefix>/<network>/subnets/<a.b.c.d>-<len>   LeaseAttrs, with a TTL
 *   <prefix>/<network>/subnets/<ipv6>-<len>      the same, for a dual-stack network's IPv6 subnet
 * berthd leases a subnet for its node (and, on a dual-stack network, an IPv6 subnet beside it), programs one neighbour, one FDB entry and one onlink route per
 * other node, and writes a {@link NodeLeaseFile} where the overlay CNI plugin reads it.
 */

/** An overlay network's configuration (flannel's `<prefix>/config`, per network). */
export interface OverlayConfig {
  /** The cluster CIDR, e.g. "10.244.0.0/16". */
  readonly Network: string;
  /** Prefix length of each node's subnet; flannel's default: 24 when Network is /22 or larger, else prefix+2. */
  readonly SubnetLen: number;
  /**
   * The IPv6 cluster CIDR of a dual-stack network, e.g. "fd00:10:244::/48" (flannel's IPv6Network);
   * absent on an IPv4-only one. Each node then leases an IPv6 subnet of it as well, under its own key.
   */
  readonly IPv6Network?: string;
  /** Prefix length of each node's IPv6 subnet; flannel's default: 64 when IPv6Network is /62 or larger, else prefix+2. */
  readonly IPv6SubnetLen?: number;
  readonly Backend: {
    readonly Type: 'vxlan';
    /** VXLAN network identifier, 1..16777215. */
    readonly VNI: number;
    /** UDP port; 4789 (IANA) by default. */
    readonly Port: number;
  };
}

/** What a node publishes about itself in its lease (flannel's LeaseAttrs). */
export interface LeaseAttrs {
  /** The node's underlay address: the VXLAN remote for its peers. */
  readonly PublicIP: string;
  readonly BackendType: 'vxlan';
  readonly BackendData: {
    readonly VNI: number;
    /** The MAC of the node's VXLAN device; stable across restarts (persisted by berthd). */
    readonly VtepMAC: string;
  };
}

/**
 * One node's lease of a subnet. A dual-stack node holds two: one of Network and one of IPv6Network,
 * each under its own key with the same attrs (its VTEP: underlay address and VXLAN MAC), so that a
 * create-if-absent guards each prefix and no IPv6 subnet can go to two nodes.
 */
export interface Lease {
  /** "10.244.3.0/24", or "fd00:10:244:3::/64" for an IPv6 subnet. */
  readonly subnet: string;
  readonly attrs: LeaseAttrs;
  /** Unix ms when the lease expires if not renewed; undefined for a reservation that never expires. */
  readonly expiresAt?: number;
}

/** A change to the leases of one network, as a watch reports it. */
export type LeaseEvent =
  | { readonly type: 'added'; readonly lease: Lease }
  | { readonly type: 'removed'; readonly lease: Lease };

/**
 * What berthd writes for the overlay CNI plugin, at `<runDir>/overlay/<network>.json` (flannel's
 * subnet.env, as JSON), through lib/overlay/lease-file (which also checks it); removed when the node
 * leaves the network.
 */
export interface NodeLeaseFile {
  /** The overlay network's name. */
  readonly name: string;
  /** The cluster CIDR (routed into the overlay, never masqueraded). */
  readonly network: string;
  /** This node's subnet, "10.244.3.0/24": the containers' host-local range. */
  readonly subnet: string;
  /** The IPv6 cluster CIDR of a dual-stack network (routed into the overlay, never masqueraded); absent on IPv4 only. */
  readonly ipv6Network?: string;
  /** This node's IPv6 subnet, "fd00:10:244:3::/64": the containers' second host-local range. With ipv6Network. */
  readonly ipv6Subnet?: string;
  /** MTU for the bridge, veths and container interfaces: underlay MTU - 50. */
  readonly mtu: number;
  readonly vni: number;
  /** The node's bridge for this network's containers (berthd does not create it; the plugin does). */
  readonly bridge: string;
  /** Unix ms; the plugin's STATUS reports 50 when the lease has expired. */
  readonly expiresAt?: number;
}
