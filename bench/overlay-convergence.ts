// Peer convergence for bench/overlay.ts: how long after a node's lease appears in (or leaves) the store
// the other nodes' kernels hold (or no longer hold) its neighbour, FDB entry and route. The store side
// is timed by a watcher child (overlay-lease-clock.ts: the file's ctime, or the etcd watch's delivery),
// the kernel side by netlink dumps in each other host's netns every 10 ms; both on the wall clock in ns.
import { NetlinkHandle, linkByName, neighList, routeList } from '../lib/netlink';
import { AF_BRIDGE, AF_INET } from '../lib/netlink/nl/constants';
import type { LeaseClock } from './overlay-lease-clock';
import { realtimeNs, type LeaseWatchLine } from './overlay-lease-watch';
import type { OverlayCluster, SimHost } from './overlay-cluster';

const POLL_MS = 10;
const ZERO_MAC = '00:00:00:00:00:00';

/** The samples of one store's convergence runs, in ms. */
export interface ConvergenceSamples {
  /** berthd spawned → its lease in the store (process start, store open, config read, lease created). */
  readonly startToLease: number[];
  /** File store: the lease's rename → a separate fs.watch-based watcher delivering it (empty for etcd). */
  readonly watchLag: number[];
  /** Lease in the store → neighbour + FDB + route on each other host (one array per other host). */
  readonly join: number[][];
  /** Lease in the store → the entries on every other host (the slowest host of each join). */
  readonly joinAll: number[];
  /** Lease deleted from the store (`berthd leave`) → the entries gone from each other host. */
  readonly leave: number[][];
  readonly leaveAll: number[];
}

/** What one host's kernel holds for one peer: the FDB MAC towards its address, the neighbour, the route. */
interface PeerEntries {
  readonly mac?: string;
  readonly vtepIP?: string;
  readonly route: boolean;
}

/** A host's VXLAN device, dumped over a netlink socket opened in the host's netns. */
export class PeerProbe {
  readonly host: SimHost;
  readonly #h: NetlinkHandle;
  readonly #index: number;

  private constructor(host: SimHost, h: NetlinkHandle, index: number) {
    this.host = host;
    this.#h = h;
    this.#index = index;
  }

  /** Opens a netlink socket in the host's netns and finds `device` there. */
  static async open(host: SimHost, device: string): Promise<PeerProbe> {
    const h = NetlinkHandle.open(host.ns);
    try {
      return new PeerProbe(host, h, (await linkByName(h, device)).index);
    } catch (err) {
      h.close();
      throw err;
    }
  }

  /**
   * The entries for the peer at underlay address `publicIP`, as berthd programs them: an FDB entry
   * (VTEP MAC → publicIP), a permanent neighbour (peer's VTEP IP → that MAC), an onlink route via that
   * VTEP IP. `known` names what to look for once the FDB entry itself is gone (a leave).
   */
  async entries(publicIP: string, known?: { mac?: string; vtepIP?: string }): Promise<PeerEntries> {
    const index = this.#index;
    const fdb = await neighList(this.#h, { family: AF_BRIDGE, index });
    const mac = fdb.find((e) => e.dst === publicIP && e.mac !== undefined && e.mac !== ZERO_MAC)?.mac;
    const lookFor = mac ?? known?.mac;
    const neigh = lookFor === undefined ? undefined : (await neighList(this.#h, { family: AF_INET, index })).find((e) => e.mac === lookFor);
    const vtepIP = neigh?.ip ?? known?.vtepIP;
    const route = vtepIP !== undefined && (await routeList(this.#h, { family: AF_INET, index })).some((r) => r.gw === vtepIP);
    return { mac, vtepIP: neigh?.ip, route };
  }

  /** Closes the netlink socket. */
  close(): void {
    this.#h.close();
  }
}

/**
 * Polls every probe each 10 ms until `done` holds for its host; resolves with the {@link realtimeNs}
 * at which each first did, in probe order.
 */
export async function pollUntil(probes: readonly PeerProbe[], done: (p: PeerProbe) => Promise<boolean>, ms: number, what: string): Promise<bigint[]> {
  const at: (bigint | undefined)[] = probes.map(() => undefined);
  const deadline = Date.now() + ms;
  while (at.some((t) => t === undefined)) {
    const tick = Date.now();
    for (const [i, p] of probes.entries()) {
      if (at[i] === undefined && (await done(p))) at[i] = realtimeNs();
    }
    if (Date.now() > deadline) {
      const late = probes.filter((_, i) => at[i] === undefined).map((p) => `host ${p.host.n}`);
      throw new Error(`timed out after ${ms} ms waiting for ${what} on ${late.join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (Date.now() - tick))));
  }
  return at as bigint[];
}

/** Milliseconds between two {@link realtimeNs} readings. */
export function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

/** When a watched change happened in the store: its own stamp (file store), else when the watch saw it. */
function storeTime(l: LeaseWatchLine): bigint {
  return BigInt(l.storeT ?? l.t);
}

/**
 * `joins` times: start berthd on `joiner`, time its lease and the others' entries for it; then
 * `berthd leave`, time the lease's removal and the entries' going; stop the daemon. The others'
 * daemons run throughout and already serve `network` (their VXLAN device `device` exists).
 */
export async function measureConvergence(
  cluster: OverlayCluster, clock: LeaseClock, opts: { store: string; network: string; device: string; others: readonly SimHost[]; joiner: SimHost; joins: number },
): Promise<ConvergenceSamples> {
  const { store, network, joiner } = opts;
  const out: ConvergenceSamples = { startToLease: [], watchLag: [], join: opts.others.map(() => []), joinAll: [], leave: opts.others.map(() => []), leaveAll: [] };
  const probes: PeerProbe[] = [];
  try {
    for (const h of opts.others) probes.push(await PeerProbe.open(h, opts.device));
    const ours = (l: LeaseWatchLine, type: string) => l.type === type && l.lease?.attrs.PublicIP === joiner.ip;
    for (let i = 0; i < opts.joins; i++) {
      const from = clock.mark;
      const spawned = realtimeNs();
      cluster.start(joiner, store, network);
      const seen = new Map<PeerProbe, { mac?: string; vtepIP?: string }>();
      const [added, present] = await Promise.all([
        clock.next(from, (l) => ours(l, 'added'), 30_000, `host ${joiner.n}'s lease`),
        pollUntil(probes, async (p) => {
          const e = await p.entries(joiner.ip);
          if (e.mac !== undefined && e.vtepIP !== undefined) seen.set(p, { mac: e.mac, vtepIP: e.vtepIP });
          return e.mac !== undefined && e.vtepIP !== undefined && e.route;
        }, 30_000, `host ${joiner.n}'s entries`),
      ]).catch((err: Error) => {
        throw new Error(`${err.message}\n${cluster.log(joiner)}`);
      });
      const leased = storeTime(added);
      out.startToLease.push(msBetween(spawned, leased));
      if (added.storeT !== undefined) out.watchLag.push(msBetween(leased, BigInt(added.t)));
      present.forEach((t, k) => out.join[k]!.push(msBetween(leased, t)));
      out.joinAll.push(Math.max(...present.map((t) => msBetween(leased, t))));

      const fromLeave = clock.mark;
      // Polled from before the leave starts, so entries removed while `berthd leave` exits are not timed late.
      const [removed, gone] = await Promise.all([
        clock.next(fromLeave, (l) => ours(l, 'removed'), 30_000, `host ${joiner.n}'s lease to go`),
        pollUntil(probes, async (p) => {
          const e = await p.entries(joiner.ip, seen.get(p));
          return e.mac === undefined && e.vtepIP === undefined && !e.route;
        }, 30_000, `host ${joiner.n}'s entries to go`),
        cluster.leave(joiner, store, network),
      ]);
      const deleted = storeTime(removed);
      gone.forEach((t, k) => out.leave[k]!.push(msBetween(deleted, t)));
      out.leaveAll.push(Math.max(...gone.map((t) => msBetween(deleted, t))));
      await cluster.stop(joiner);
    }
    return out;
  } finally {
    for (const p of probes) p.close();
  }
}

/** Waits until every host's kernel holds the entries for every other host: the daemons have converged. */
export async function awaitMesh(cluster: OverlayCluster, hosts: readonly SimHost[], network: string, device: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  const probes: PeerProbe[] = [];
  try {
    for (const h of hosts) {
      // The device comes before the lease file; the probe needs the device.
      for (;;) {
        if (cluster.leaseFile(h, network) !== undefined) break;
        if (Date.now() > deadline) throw new Error(`no lease file on host ${h.n} after ${ms} ms\n${cluster.log(h)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      probes.push(await PeerProbe.open(h, device));
    }
    for (const p of probes) {
      for (const o of hosts.filter((x) => x !== p.host)) {
        await pollUntil([p], async (q) => {
          const e = await q.entries(o.ip);
          return e.mac !== undefined && e.vtepIP !== undefined && e.route;
        }, Math.max(1, deadline - Date.now()), `host ${o.n}'s entries (mesh)`);
      }
    }
  } finally {
    for (const p of probes) p.close();
  }
}
