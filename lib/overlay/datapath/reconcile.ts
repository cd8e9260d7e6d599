import {
  isLinkNotFound, linkByIndex, neighDel, neighList, neighSet, routeDel, routeList, routeReplace, NetlinkError, NUD_PERMANENT, NTF_SELF,
  AF_BRIDGE, AF_INET, AF_INET6, type NetlinkHandle, type Neigh, type Route,
} from '../../netlink';
import { parseIP } from '../../ip';
import type { Lease } from '../types';
import { DeviceGoneError } from './device-gone';
import { desiredPeers, planPeers, type PeerDumps, type PeerOp, type SkippedLease } from './plan-peers';

/** The device's peer entries read back from the kernel. */
export interface PeerState {
  readonly neighs: readonly Neigh[];
  readonly fdb: readonly Neigh[];
  readonly routes: readonly Route[];
}

/** What a reconcile did, for logs and the API. */
export interface ReconcileResult {
  /** Entries created or replaced. */
  readonly added: number;
  /** Entries deleted (a wrong neighbour of a peer is replaced in place and counted as added only). */
  readonly removed: number;
  /** Entries that were already right. */
  readonly kept: number;
  /** Operations the kernel refused; the next reconcile tries them again. */
  readonly failed: readonly { readonly op: PeerOp; readonly error: string }[];
  /** Leases that could not be programmed. */
  readonly skipped: readonly SkippedLease[];
}

/**
 * Dumps the device's AF_INET and AF_INET6 neighbours, its own (NTF_SELF) FDB and its main-table IPv4
 * and IPv6 routes. Both families always: a network that stopped being dual-stack must lose its IPv6
 * peers' entries too.
 * iproute2: `ip neigh show dev D`, `bridge fdb show dev D`, `ip route show dev D; ip -6 route show dev D`.
 */
export async function readPeerState(h: NetlinkHandle, index: number): Promise<PeerState> {
  const neighs = [...await neighList(h, { family: AF_INET, index }), ...await neighList(h, { family: AF_INET6, index })];
  const fdb = (await neighList(h, { family: AF_BRIDGE, index })).filter((n) => (n.flags & NTF_SELF) !== 0);
  const routes = [...await routeList(h, { family: AF_INET, index }), ...await routeList(h, { family: AF_INET6, index })];
  return { neighs, fdb, routes };
}

/**
 * Makes the device hold exactly one neighbour (peer VTEP address → VtepMAC, permanent; on IPv6 the
 * entry that answers for the peer instead of NDP), one FDB entry per VtepMAC (→ PublicIP, self
 * permanent) and one onlink route (subnet via VTEP address) per lease in
 * `desired` (the other nodes' leases), and nothing else of ours: a full diff of desired against the
 * dumps ({@link planPeers}), so it is idempotent and repairs whatever drifted (stale entries, changed
 * MACs, entries deleted by hand). Deletions that find nothing are fine; a peer whose neighbour or FDB
 * entry is refused gets no route (the kernel would ARP for the gateway), and is retried next time.
 *
 * The device is looked up first, by index and (when given) name: the dumps are filtered in user space
 * and would come back empty for a vanished device, so without this check a deleted device would look
 * like a device with nothing on it, and never be recreated.
 * @throws {DeviceGoneError} when no link has `dev.index`, or it is not `dev.name` any more
 * @throws {NetlinkError} when the lookup or the dumps fail otherwise
 */
export async function reconcilePeers(h: NetlinkHandle, dev: { readonly index: number; readonly name?: string }, desired: readonly Lease[]): Promise<ReconcileResult> {
  await checkDevice(h, dev);
  const { peers, skipped } = desiredPeers(desired);
  const plan = planPeers(peers, toDumps(await readPeerState(h, dev.index)));
  const failed: { op: PeerOp; error: string }[] = [];
  const brokenPeers = new Set<string>();
  let added = 0;
  let removed = 0;
  for (const op of plan.ops) {
    if ('peer' in op && brokenPeers.has(op.peer)) continue;
    try {
      const n = await apply(h, dev.index, op);
      if (op.op.endsWith('-del')) removed += n;
      else added += 1;
    } catch (err) {
      failed.push({ op, error: err instanceof Error ? err.message : String(err) });
      if ('peer' in op) brokenPeers.add(op.peer);
      // A dual-stack peer's two entries share one FDB entry: without it neither family's route works.
      if (op.op === 'fdb-set') for (const p of peers) if (p.mac === op.mac) brokenPeers.add(p.subnet);
    }
  }
  return { added, removed, kept: plan.kept, failed, skipped };
}

/** Throws a {@link DeviceGoneError} unless `dev.index` is still the link named `dev.name`. */
async function checkDevice(h: NetlinkHandle, dev: { readonly index: number; readonly name?: string }): Promise<void> {
  let name: string;
  try {
    name = (await linkByIndex(h, dev.index)).name;
  } catch (err) {
    if (isLinkNotFound(err)) throw new DeviceGoneError(dev.index, dev.name, 'no link has its index', err);
    throw err;
  }
  if (dev.name !== undefined && name !== dev.name) throw new DeviceGoneError(dev.index, dev.name, `its index is now link ${name}'s`);
}

/** The plan's view of the dumps. */
export function toDumps(state: PeerState): PeerDumps {
  return {
    neighs: state.neighs.map((n) => ({ ip: n.ip, mac: n.mac, state: n.state })),
    fdb: state.fdb.map((n) => ({ mac: n.mac, dst: n.dst, flags: n.flags })),
    routes: state.routes.map((r) => ({ dst: r.dst, gw: r.gw, onlink: r.onlink, protocol: r.protocol })),
  };
}

/** Runs one op; returns how many entries a deletion removed (0 when it was already gone). */
async function apply(h: NetlinkHandle, index: number, op: PeerOp): Promise<number> {
  switch (op.op) {
    case 'route-del':
      return gone(routeDel(h, { dst: op.dst, gw: op.gw, index }), 'ESRCH');
    case 'fdb-del':
      return gone(neighDel(h, { index, family: AF_BRIDGE, mac: op.mac, dst: op.dst, flags: NTF_SELF }), 'ENOENT');
    case 'neigh-del':
      return gone(neighDel(h, { index, family: familyOf(op.ip), ip: op.ip }), 'ENOENT');
    case 'neigh-set':
      await neighSet(h, { index, family: familyOf(op.ip), ip: op.ip, mac: op.mac, state: NUD_PERMANENT });
      return 1;
    case 'fdb-set':
      await neighSet(h, { index, family: AF_BRIDGE, mac: op.mac, dst: op.dst, flags: NTF_SELF, state: NUD_PERMANENT });
      return 1;
    case 'route-set':
      await routeReplace(h, { dst: op.dst, gw: op.gw, index, onlink: true });
      return 1;
  }
}

/** The neighbour table an address is in. */
function familyOf(ip: string): typeof AF_INET | typeof AF_INET6 {
  return parseIP(ip)?.family === 6 ? AF_INET6 : AF_INET;
}

async function gone(p: Promise<void>, code: string): Promise<number> {
  try {
    await p;
    return 1;
  } catch (err) {
    if (err instanceof NetlinkError && err.code === code) return 0;
    throw err;
  }
}
