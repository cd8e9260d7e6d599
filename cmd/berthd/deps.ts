import type { Family } from '../../lib/ip';
import type { Logger } from '../../lib/log';
import type { Lease, LeaseAttrs, SubnetStore, UnreadableLease } from '../../lib/overlay';
import type { Datapath } from './datapath';
import type { Underlay } from './underlay';

/** Leases a subnet of one family for this node (reusing ours by PublicIP): lib/overlay/allocate.ts's acquireLease. */
export type AcquireLease = (
  store: SubnetStore, network: string, attrs: LeaseAttrs,
  opts: { ttlMs: number; previous?: string; onUnreadable?: (lease: UnreadableLease) => void; family?: Family },
) => Promise<Lease>;

/** Told true after any store call succeeds, false (with the error) after one fails. */
export type StoreHealth = (ok: boolean, err?: Error) => void;

/** What a network agent runs on: an overlay network needs the underlay. */
export type AgentDeps = DaemonDeps & { readonly underlay: Underlay };

/**
 * What a daemon runs on, and so what each of its network agents runs on: main.ts gives all but the two
 * hooks, which the Daemon fills in for its agents (it keeps the store's state and knows every VNI).
 */
export interface DaemonDeps {
  readonly store: SubnetStore;
  readonly storeKind: 'file' | 'etcd';
  readonly datapath: Datapath;
  readonly acquire: AcquireLease;
  /** Absent when berthd found none at start and serves no overlay network (it serves DNS alone). */
  readonly underlay?: Underlay;
  readonly stateDir: string;
  readonly runDir: string;
  readonly leaseTtlMs: number;
  readonly resyncMs: number;
  readonly log: Logger;
  readonly storeHealth?: StoreHealth;
  /** The network other than `self` this node already serves on `vni`, if any (one VNI, one device). */
  readonly vniHolder?: (vni: number, self: string) => string | undefined;
}
