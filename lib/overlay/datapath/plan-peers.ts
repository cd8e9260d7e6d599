/**
 * The pure half of the peer reconcile: from the leases of the other nodes and what the kernel holds on
 * the VXLAN device (three dumps), the operations that make the second equal the first. No I/O, so every
 * case (stale entry, changed MAC, re-IP'd node, kernel entries to leave alone) is a table-driven test.
 */
import type { Lease } from '../types';
import { parseCidr, formatCidr, networkOf, formatIP, type Cidr } from '../../ip';
import { isUnicastMac } from './vtep-mac';

/**
 * What one other node's lease needs on this node's VXLAN device. A dual-stack node has two leases and
 * so two entries, one per family, with the same MAC and PublicIP: they share one FDB entry.
 */
export interface PeerEntry {
  /** The peer's subnet, canonical ("10.244.2.0/24", "fd00:10:244:2::/64"): the onlink route's destination. */
  readonly subnet: string;
  /** The subnet's network address: the peer's VTEP address, the route's gateway and the neighbour's IP. */
  readonly vtepIP: string;
  /** The peer's VTEP MAC, lower case. */
  readonly mac: string;
  /** The peer's underlay address: where the FDB entry sends frames for `mac`. */
  readonly publicIP: string;
}

/** The kernel's entries on the device, as the dumps report them (only the fields the plan reads). */
export interface PeerDumps {
  /** AF_INET and AF_INET6 neighbours on the device. */
  readonly neighs: readonly { readonly ip?: string; readonly mac?: string; readonly state: number }[];
  /** AF_BRIDGE entries on the device. */
  readonly fdb: readonly { readonly mac?: string; readonly dst?: string; readonly flags: number }[];
  /** IPv4 and IPv6 routes of the main table whose output link is the device. */
  readonly routes: readonly { readonly dst: string; readonly gw?: string; readonly onlink: boolean; readonly protocol: number }[];
}

/** One change to the device. Deletions name the entry exactly as it was dumped. */
export type PeerOp =
  | { readonly op: 'route-del'; readonly dst: string; readonly gw?: string }
  | { readonly op: 'fdb-del'; readonly mac: string; readonly dst?: string }
  | { readonly op: 'neigh-del'; readonly ip: string }
  | { readonly op: 'neigh-set'; readonly peer: string; readonly ip: string; readonly mac: string }
  | { readonly op: 'fdb-set'; readonly peer: string; readonly mac: string; readonly dst: string }
  | { readonly op: 'route-set'; readonly peer: string; readonly dst: string; readonly gw: string };

/** The plan: deletions first (routes, FDB, neighbours), then per peer in order neighbour, FDB, route. */
export interface PeerPlan {
  readonly ops: readonly PeerOp[];
  /** Entries already right. */
  readonly kept: number;
}

/** A lease that cannot be programmed, and why. */
export interface SkippedLease {
  readonly lease: Lease;
  readonly reason: string;
}

const NUD_PERMANENT = 0x80;
const NTF_SELF = 0x02;
const RTPROT_KERNEL = 2;

/**
 * The entries the other nodes' leases call for. A lease with a bad subnet, MAC or address is skipped
 * (and reported) rather than failing the whole reconcile. Two leases of one family with one VTEP MAC
 * are one node seen twice (its VTEP MAC is persisted, so a node whose PublicIP changed takes a new
 * lease while its old one waits to expire): the lease that expires later is the live one, the other
 * is skipped. An IPv4 and an IPv6 lease with one MAC are one dual-stack node: both are peers.
 */
export function desiredPeers(leases: readonly Lease[]): { peers: PeerEntry[]; skipped: SkippedLease[] } {
  const peers: PeerEntry[] = [];
  const skipped: SkippedLease[] = [];
  const valid: { lease: Lease; c: Cidr; mac: string; pub: string }[] = [];
  const newest = new Map<string, Lease>();
  for (const lease of leases) {
    const c = parseCidr(lease.subnet);
    const mac = lease.attrs?.BackendData?.VtepMAC?.toLowerCase() ?? '';
    const pub = lease.attrs?.PublicIP ?? '';
    let reason: string | undefined;
    if (!c) reason = `subnet ${JSON.stringify(lease.subnet)} is not a CIDR`;
    else if (!isUnicastMac(mac)) reason = `VtepMAC ${JSON.stringify(mac)} is not a unicast MAC`;
    else if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(pub)) reason = `PublicIP ${JSON.stringify(pub)} is not an IPv4 address`;
    if (reason !== undefined || !c) {
      skipped.push({ lease, reason: reason ?? 'invalid' });
      continue;
    }
    valid.push({ lease, c, mac, pub });
    const held = newest.get(`${c.ip.family} ${mac}`);
    // Strictly later: on a tie the first listed stays, so the choice is stable across reconciles.
    if (held === undefined || expiryOf(lease) > expiryOf(held)) newest.set(`${c.ip.family} ${mac}`, lease);
  }
  const subnets = new Set<string>();
  for (const { lease, c, mac, pub } of valid) {
    const winner = newest.get(`${c.ip.family} ${mac}`)!;
    if (winner !== lease) {
      skipped.push({ lease, reason: `VtepMAC ${mac} is also lease ${winner.subnet}'s, which expires later` });
      continue;
    }
    const net = { family: c.ip.family, value: networkOf(c) };
    const subnet = formatCidr({ ip: net, prefix: c.prefix });
    if (subnets.has(subnet)) {
      skipped.push({ lease, reason: `subnet ${subnet} is already another lease's` });
      continue;
    }
    subnets.add(subnet);
    peers.push({ subnet, vtepIP: formatIP(net), mac, publicIP: pub });
  }
  return { peers, skipped };
}

/** When a lease expires; a reservation (no expiry) outlives every lease. */
function expiryOf(lease: Lease): number {
  return lease.expiresAt ?? Infinity;
}

/**
 * The operations that turn `actual` into exactly one neighbour, one FDB entry and one route per peer.
 *
 * What counts as ours, so that the kernel's own entries are never touched:
 * - neighbours: permanent ones (the only kind we make; with `nolearning` and onlink routes nothing else
 *   adds one), plus any entry for a peer's VTEP address (an INCOMPLETE or FAILED entry the kernel made
 *   before ours was there is replaced). Other non-permanent entries are the kernel's cache: left to age.
 * - FDB: NTF_SELF entries (the vxlan's own table; NTF_MASTER ones belong to a bridge) with a unicast
 *   MAC. The all-zeros MAC is the default destination / flood list (`bridge fdb append 00:00:00:00:00:00`),
 *   which a VXLAN device has only when someone configured it; multicast MACs are the device's address
 *   list as some kernels dump it. Neither is a peer entry, so neither is deleted.
 * - routes: main-table routes on the device, except RTPROT_KERNEL ones (from an address; on IPv6 also
 *   fe80::/64 and the multicast route the kernel gives every interface).
 * - IPv6 neighbours the kernel learned by NDP (link-local ones, reachable or stale) are its cache:
 *   like non-permanent IPv4 ones, left to age.
 *
 * A changed peer (new MAC, new PublicIP) has its old entries deleted before the new ones are added: a
 * vxlan keeps one remote per (MAC, dst), so replacing in place would leave the old remote behind.
 */
export function planPeers(desired: readonly PeerEntry[], actual: PeerDumps): PeerPlan {
  const byVtep = new Map(desired.map((p) => [p.vtepIP, p]));
  const byMac = new Map(desired.map((p) => [p.mac, p]));
  const bySubnet = new Map(desired.map((p) => [p.subnet, p]));
  const routeDels: PeerOp[] = [];
  const fdbDels: PeerOp[] = [];
  const neighDels: PeerOp[] = [];
  const good = { neigh: new Set<string>(), fdb: new Set<string>(), route: new Set<string>() };
  let kept = 0;

  for (const r of actual.routes) {
    if (r.protocol === RTPROT_KERNEL) continue;
    const p = bySubnet.get(r.dst);
    if (p && r.gw === p.vtepIP && r.onlink && !good.route.has(p.subnet)) {
      good.route.add(p.subnet);
      kept++;
    } else {
      routeDels.push(r.gw === undefined ? { op: 'route-del', dst: r.dst } : { op: 'route-del', dst: r.dst, gw: r.gw });
    }
  }

  for (const f of actual.fdb) {
    if (!(f.flags & NTF_SELF) || f.mac === undefined || !isUnicastMac(f.mac)) continue;
    const mac = f.mac.toLowerCase();
    const p = byMac.get(mac);
    if (p && f.dst === p.publicIP && !good.fdb.has(p.mac)) {
      good.fdb.add(p.mac);
      kept++;
    } else {
      fdbDels.push(f.dst === undefined ? { op: 'fdb-del', mac } : { op: 'fdb-del', mac, dst: f.dst });
    }
  }

  for (const n of actual.neighs) {
    if (n.ip === undefined) continue;
    const p = byVtep.get(n.ip);
    if (!p && !(n.state & NUD_PERMANENT)) continue;
    if (p && n.mac?.toLowerCase() === p.mac && n.state & NUD_PERMANENT) {
      good.neigh.add(p.vtepIP);
      kept++;
    } else if (!p) {
      neighDels.push({ op: 'neigh-del', ip: n.ip });
    }
    // A wrong entry for a peer's address is replaced by its neigh-set below (atomic, no gap).
  }

  const adds: PeerOp[] = [];
  for (const p of desired) {
    if (!good.neigh.has(p.vtepIP)) adds.push({ op: 'neigh-set', peer: p.subnet, ip: p.vtepIP, mac: p.mac });
    // One FDB entry per MAC: a dual-stack peer's second entry shares the first one's.
    if (!good.fdb.has(p.mac)) {
      good.fdb.add(p.mac);
      adds.push({ op: 'fdb-set', peer: p.subnet, mac: p.mac, dst: p.publicIP });
    }
    if (!good.route.has(p.subnet)) adds.push({ op: 'route-set', peer: p.subnet, dst: p.subnet, gw: p.vtepIP });
  }
  return { ops: [...routeDels, ...fdbDels, ...neighDels, ...adds], kept };
}
