/**
 * The file store's one JSON document and the pure operations on it. Everything a writer does happens
 * on a freshly read document under the lock; readers (listings, watches) read it without the lock,
 * which is safe because every write replaces the whole file by rename(2).
 */
import type { Lease, LeaseAttrs, LeaseEvent, OverlayConfig } from '../types';
import { canonicalSubnet, checkNetworkName } from './keys';
import { parseLeaseAttrs } from './lease-attrs';

/** A lease as stored: the subnet is its key. */
export interface StoredLease {
  attrs: LeaseAttrs;
  /** Unix ms; absent for a reservation that never expires. */
  expiresAt?: number;
}

/** One network's part of the document. */
export interface StoredNetwork {
  config?: OverlayConfig;
  /** Keyed by canonical subnet, "10.244.3.0/24"; a prototype-less object ({@link dict}). */
  leases: Record<string, StoredLease>;
}

/** One change in the events log. */
export interface StoredEvent {
  revision: number;
  network: string;
  type: LeaseEvent['type'];
  lease: Lease;
}

/** The whole file. */
export interface FileDocument {
  /** Bumped by every change; each event takes the revision it was written at. */
  revision: number;
  /**
   * The newest revision whose event was dropped from the log (0 while nothing was): a watcher that has
   * seen less than this cannot be told what it missed, and resyncs instead. etcd's compact revision.
   */
  compacted: number;
  /**
   * Keyed by network name; a prototype-less object ({@link dict}), so a network called `constructor`
   * or `toString` is a network like any other rather than a method of Object.prototype.
   */
  networks: Record<string, StoredNetwork>;
  /** The most recent changes, oldest first, bounded (see {@link appendEvent}). */
  events: StoredEvent[];
}

/** An empty object with no prototype: a map keyed by names the store does not control. */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The document of a store that has never been written. */
export function emptyDocument(): FileDocument {
  return { revision: 0, compacted: 0, networks: dict(), events: [] };
}

/** Parses and checks the file's text; throws a TypeError naming the bad part. */
export function parseDocument(text: string): FileDocument {
  const raw = JSON.parse(text) as Partial<Record<string, unknown>>;
  if (typeof raw !== 'object' || raw === null) throw new TypeError('the document is not an object');
  const revision = raw.revision;
  if (!isCount(revision)) throw new TypeError(`revision: ${JSON.stringify(revision)} is not a revision`);
  const compacted = raw.compacted ?? 0;
  if (!isCount(compacted)) throw new TypeError(`compacted: ${JSON.stringify(compacted)} is not a revision`);
  const networks = dict<StoredNetwork>();
  for (const [name, value] of Object.entries(asObject(raw.networks, 'networks'))) {
    checkNetworkName(name);
    const net = asObject(value, `networks.${name}`);
    const leases = dict<StoredLease>();
    for (const [subnet, lease] of Object.entries(asObject(net.leases ?? {}, `networks.${name}.leases`))) {
      leases[canonicalSubnet(subnet)] = parseStoredLease(lease, `networks.${name}.leases.${subnet}`);
    }
    networks[name] = net.config === undefined ? { leases } : { config: net.config as OverlayConfig, leases };
  }
  if (!Array.isArray(raw.events)) throw new TypeError('events: not an array');
  const events = raw.events.map((e: Partial<Record<string, unknown>>, i: number): StoredEvent => {
    const where = `events[${i}]`;
    if (!isCount(e.revision) || typeof e.network !== 'string' || (e.type !== 'added' && e.type !== 'removed')) throw new TypeError(`${where}: malformed`);
    const lease = asObject(e.lease, `${where}.lease`);
    const stored = parseStoredLease(lease, `${where}.lease`);
    return { revision: e.revision, network: e.network, type: e.type, lease: toLease(canonicalSubnet(String(lease.subnet)), stored) };
  });
  return { revision, compacted, networks, events };
}

/** The document as written: one line, so a crash mid-write (never seen, thanks to rename) is moot. */
export function formatDocument(doc: FileDocument): string {
  return `${JSON.stringify(doc)}\n`;
}

/** The network's part of the document, created empty when absent. */
export function networkOf(doc: FileDocument, network: string): StoredNetwork {
  if (!Object.hasOwn(doc.networks, network)) doc.networks[network] = { leases: dict() };
  return doc.networks[network]!;
}

/** True when the lease has expired at `now` (an expired lease counts as absent everywhere). */
export function isExpired(lease: StoredLease, now: number): boolean {
  return lease.expiresAt !== undefined && lease.expiresAt <= now;
}

/** The network's unexpired leases, sorted by subnet text (a stable order for callers and tests). */
export function liveLeases(doc: FileDocument, network: string, now: number): Lease[] {
  const leases = doc.networks[network]?.leases ?? {};
  return Object.keys(leases)
    .sort()
    .filter((subnet) => !isExpired(leases[subnet]!, now))
    .map((subnet) => toLease(subnet, leases[subnet]!));
}

/** The earliest expiry among the network's leases, or undefined when none expires. */
export function earliestExpiry(doc: FileDocument, network: string): number | undefined {
  let earliest: number | undefined;
  for (const lease of Object.values(doc.networks[network]?.leases ?? {})) {
    if (lease.expiresAt !== undefined && (earliest === undefined || lease.expiresAt < earliest)) earliest = lease.expiresAt;
  }
  return earliest;
}

/** Sets (adds or replaces) a lease and logs an 'added' event for it. */
export function putLease(doc: FileDocument, network: string, subnet: string, lease: StoredLease, maxEvents: number): void {
  networkOf(doc, network).leases[subnet] = lease;
  appendEvent(doc, network, 'added', toLease(subnet, lease), maxEvents);
}

/** Deletes a lease, logging a 'removed' event carrying what was deleted; missing is a no-op. */
export function removeLease(doc: FileDocument, network: string, subnet: string, maxEvents: number): void {
  const lease = doc.networks[network]?.leases[subnet];
  if (lease === undefined) return;
  delete doc.networks[network]!.leases[subnet];
  appendEvent(doc, network, 'removed', toLease(subnet, lease), maxEvents);
}

/** Deletes every expired lease of every network, each with its 'removed' event; returns how many. */
export function reapExpired(doc: FileDocument, now: number, maxEvents: number): number {
  let reaped = 0;
  for (const [network, net] of Object.entries(doc.networks)) {
    for (const [subnet, lease] of Object.entries(net.leases)) {
      if (!isExpired(lease, now)) continue;
      removeLease(doc, network, subnet, maxEvents);
      reaped += 1;
    }
  }
  return reaped;
}

/**
 * Logs one change at a new revision, dropping the oldest events beyond `maxEvents`; `compacted`
 * remembers the newest revision dropped, so a watcher behind it knows to resync.
 */
export function appendEvent(doc: FileDocument, network: string, type: LeaseEvent['type'], lease: Lease, maxEvents: number): void {
  doc.revision += 1;
  doc.events.push({ revision: doc.revision, network, type, lease });
  const excess = doc.events.length - maxEvents;
  if (excess > 0) doc.compacted = doc.events.splice(0, excess).at(-1)!.revision;
}

/** A stored lease as the public model shows it. */
export function toLease(subnet: string, stored: StoredLease): Lease {
  return stored.expiresAt === undefined ? { subnet, attrs: stored.attrs } : { subnet, attrs: stored.attrs, expiresAt: stored.expiresAt };
}

function parseStoredLease(value: unknown, where: string): StoredLease {
  const v = asObject(value, where);
  const attrs = parseLeaseAttrs(v.attrs, `${where}.attrs`);
  if (v.expiresAt === undefined || v.expiresAt === null) return { attrs };
  if (typeof v.expiresAt !== 'number' || !Number.isFinite(v.expiresAt)) throw new TypeError(`${where}.expiresAt: not a number`);
  return { attrs, expiresAt: v.expiresAt };
}

function asObject(value: unknown, where: string): Partial<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${where}: not an object`);
  return value as Partial<Record<string, unknown>>;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
