/**
 * The peers' leases as the datapath should see them: a cache keyed by subnet that turns store events
 * and resync snapshots into the exact adds and removes to program (flannel's pkg/lease LeaseWatcher).
 *
 * Unlike flannel's, an 'added' for a subnet we already hold with a different endpoint (PublicIP, VTEP
 * MAC or VNI: a peer that restarted with a new MAC, or a subnet now held by another node) comes out as
 * removed(old) + added(new). flannel just replaced its cache entry, so the old MAC's FDB entry was never
 * deleted: the stale-FDB reports (research A3).
 */
import { sameEndpoint } from './stores';
import type { LeaseSnapshot } from './store';
import type { Lease, LeaseEvent } from './types';

/** Options of a {@link LeaseWatcher}. */
export interface LeaseWatcherOptions {
  /** Our own subnet: never a peer, so never yielded. */
  readonly ownSubnet?: string;
}

/** Tracks the peers' leases of one network; the methods return what changed for the datapath. */
export class LeaseWatcher {
  readonly #cache = new Map<string, Lease>();
  #own: string | undefined;

  constructor(opts: LeaseWatcherOptions = {}) {
    this.#own = opts.ownSubnet;
  }

  /** Our subnet, once leased (undefined before). */
  get ownSubnet(): string | undefined {
    return this.#own;
  }

  /**
   * Tells which subnet is ours. If a peer held it in the cache (we took it over after its lease
   * expired), that peer is removed, and the removal is returned.
   */
  setOwnSubnet(subnet: string | undefined): LeaseEvent[] {
    this.#own = subnet;
    if (subnet === undefined) return [];
    const held = this.#cache.get(subnet);
    if (held === undefined) return [];
    this.#cache.delete(subnet);
    return [{ type: 'removed', lease: held }];
  }

  /**
   * Applies watch events in order and returns the changes to program, in order: an add of a new
   * subnet; removed(old) + added(new) for a changed endpoint; nothing for a renewal (same endpoint),
   * for a removal of a subnet not cached, or for our own subnet. A removal carries the cached lease,
   * so the datapath deletes exactly what it programmed.
   */
  apply(events: readonly LeaseEvent[]): LeaseEvent[] {
    const out: LeaseEvent[] = [];
    for (const ev of events) {
      if (ev.lease.subnet === this.#own) continue;
      if (ev.type === 'added') this.#add(ev.lease, out);
      else this.#remove(ev.lease.subnet, out);
    }
    return out;
  }

  /**
   * Replaces the view with a listing (after a watch gap) and returns the difference as events:
   * removals first (subnets gone, then changed endpoints' old leases), then additions.
   */
  reset(snapshot: LeaseSnapshot | readonly Lease[]): LeaseEvent[] {
    const leases = 'leases' in snapshot ? snapshot.leases : snapshot;
    const incoming = new Map(leases.filter((l) => l.subnet !== this.#own).map((l) => [l.subnet, l] as const));
    const removed: LeaseEvent[] = [];
    const added: LeaseEvent[] = [];
    for (const [subnet, old] of this.#cache) {
      if (!incoming.has(subnet)) {
        this.#cache.delete(subnet);
        removed.push({ type: 'removed', lease: old });
      }
    }
    for (const lease of incoming.values()) {
      const changes: LeaseEvent[] = [];
      this.#add(lease, changes);
      for (const c of changes) (c.type === 'removed' ? removed : added).push(c);
    }
    return [...removed, ...added];
  }

  /** The peers' leases now, sorted by subnet. */
  leases(): Lease[] {
    return [...this.#cache.values()].sort((a, b) => (a.subnet < b.subnet ? -1 : a.subnet > b.subnet ? 1 : 0));
  }

  #add(lease: Lease, out: LeaseEvent[]): void {
    const old = this.#cache.get(lease.subnet);
    this.#cache.set(lease.subnet, lease);
    if (old === undefined) {
      out.push({ type: 'added', lease });
    } else if (!sameEndpoint(old.attrs, lease.attrs)) {
      out.push({ type: 'removed', lease: old }, { type: 'added', lease });
    }
  }

  #remove(subnet: string, out: LeaseEvent[]): void {
    const old = this.#cache.get(subnet);
    if (old === undefined) return;
    this.#cache.delete(subnet);
    out.push({ type: 'removed', lease: old });
  }
}
