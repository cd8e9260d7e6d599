/**
 * The contract both overlay stores keep (file and etcd), so berthd never learns which one it runs on.
 * Modelled on flannel's subnet.Manager over etcd v3 (research B): create-if-absent for allocation,
 * TTL leases, and a watch that either delivers every change after a revision or says it cannot
 * (then the caller re-lists and diffs: {@link WatchHandlers.onResync}).
 */
import type { Lease, LeaseAttrs, LeaseEvent, OverlayConfig } from './types';

/** A key that names a subnet but whose value is not a lease anyone can read. */
export interface UnreadableLease {
  /** "10.244.3.0/24", from the key. */
  readonly subnet: string;
  /** Why the value is not a lease, naming the key. */
  readonly reason: string;
}

/** A listing and the revision it was read at (a watch from revision + 1 misses nothing). */
export interface LeaseSnapshot {
  readonly leases: readonly Lease[];
  readonly revision: number;
  /**
   * Subnets whose key exists but whose value cannot be read (another program's key, a damaged
   * write). Nobody can program a datapath from them, so they are not leases; but the key holds the
   * subnet (a create-if-absent on it fails), so allocation counts them as held, never as free.
   * Absent when there are none.
   */
  readonly unreadable?: readonly UnreadableLease[];
}

/** What a watch calls. */
export interface WatchHandlers {
  /** Changes after the start revision, in order. */
  onEvents(events: readonly LeaseEvent[], revision: number): void;
  /**
   * The watch lost its place (compaction, a reconnect that cannot resume, a store error): here is a
   * fresh listing; the caller replaces its whole view with it (flannel's LeaseWatcher.Reset).
   */
  onResync(snapshot: LeaseSnapshot): void;
  /** The store is unreachable right now (etcd down); the watch keeps retrying by itself. */
  onError?(err: Error): void;
}

/** A running watch. */
export interface Watch {
  cancel(): Promise<void>;
}

/** One overlay network's config and leases in a store. */
export interface SubnetStore {
  /** The network config, or undefined when none is stored. */
  getConfig(network: string): Promise<OverlayConfig | undefined>;
  /**
   * Every network's stored config, by network name; undefined for a config that is stored but cannot
   * be read (its VNI is unknown, not free). berthd picks a new network's default VNI among those no
   * stored config uses: two networks with one VNI would share one VXLAN device on every node.
   */
  listConfigs(): Promise<ReadonlyMap<string, OverlayConfig | undefined>>;
  /** Stores the config if none exists; returns what is stored afterwards (ours or the earlier one). */
  putConfigIfAbsent(network: string, config: OverlayConfig): Promise<OverlayConfig>;
  /** Expired leases are not listed. */
  listLeases(network: string): Promise<LeaseSnapshot>;
  /**
   * Creates the lease of `subnet` if nobody holds it (an atomic create-if-absent); false when taken.
   * @param ttlMs the lease expires unless renewed within this time.
   */
  createLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number): Promise<boolean>;
  /** Refreshes (and may update the attrs of) a lease we hold; false when it is gone (expired, deleted). */
  renewLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number): Promise<boolean>;
  /** Deletes a lease (a node leaving). Missing is fine. */
  deleteLease(network: string, subnet: string): Promise<void>;
  /** Watches the network's leases from `fromRevision` (exclusive). */
  watchLeases(network: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch>;
  /** Releases connections and watches. */
  close(): Promise<void>;
}
