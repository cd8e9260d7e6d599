/**
 * host-local as a library: the verbs of the reference host-local IPAM plugin over a Store. The
 * host-local executable is thin wiring over these functions, and a plugin such as bridge may call
 * them in-process instead of exec'ing host-local: the store, its layout and its lock are the same,
 * so both ways interoperate with each other and with the reference binary.
 */
import {
  CniCode, CniError, validateContainerId, validateIfName, CURRENT_VERSION, type Attachment, type DNS,
  type ParsedIPConfig, type ParsedResult, type Result,
} from '../cni';
import { allocate, freeCount, leasesToRelease, ownedBy, type Allocation, type Owner } from './allocator';
import type { HostLocalConfig, StoreRef } from './config';
import { DiskStore } from './disk-store';
import { IpamCode } from './errors';
import { formatIP, parseCidr } from '../ip';
import { BestEffort } from '../util';
import { rangeSetContains, rangeSetToString } from './range-set';
import { readResolvConf } from './resolv-conf';
import type { Lease, Store, StoreSession } from './store';

export type { Owner } from './allocator';
export type { HostLocalConfig, HostLocalNetConf, StoreRef } from './config';
export { resolveHostLocalConfig, resolveStoreRef } from './config';

/** How the verbs reach the store: a DiskStore under `dataDir` unless a store is given (tests). */
export interface IpamOptions {
  store?: Store;
  /** Lock wait before code 11 (default 60 s). */
  lockTimeoutMs?: number;
}

/**
 * ADD: one address per range set for `owner`, requested addresses first. Under one lock for the
 * whole call; on any failure the addresses reserved by this call (and only those) are released.
 * Returns an IPAM result (no interfaces) in the current shape, its addresses as allocated (no text to
 * parse again: an in-process caller works on them, the executable formats them once to print).
 */
export async function ipamAdd(conf: HostLocalConfig, owner: Owner, opts: IpamOptions = {}): Promise<ParsedResult> {
  validateOwner(owner);
  // Read before taking the lock: a bad resolvConf must fail without touching the store.
  const dns: DNS | undefined = conf.resolvConf === undefined ? undefined : readResolvConf(conf.resolvConf);
  const allocations = await openStore(conf, opts).withLock((s) => allocateAll(s, conf, owner));
  // Built in the current shape (so labelled); the dispatcher prints it in the config's version.
  const result: ParsedResult = { cniVersion: CURRENT_VERSION, ips: allocations.map(toIPConfig) };
  if (conf.routes.length > 0) result.routes = conf.routes;
  if (dns !== undefined && Object.keys(dns).length > 0) result.dns = dns;
  return result;
}

/**
 * DEL: releases every lease of `owner` (legacy container-ID-only leases when there is no exact one).
 * Idempotent: nothing to release, or no store at all, is success; nothing is created.
 */
export async function ipamDel(ref: StoreRef, owner: Owner, opts: IpamOptions = {}): Promise<void> {
  validateOwner(owner);
  const store = openStore(ref, opts);
  if (!store.exists()) return;
  await store.withLock((s) => releaseEach(s, leasesToRelease(s.leases(), owner), 'DEL'));
}

/**
 * CHECK: `owner` must hold a lease, and every prevResult address inside one of our range sets must be
 * leased to it (the reference only looks for some lease of the container; code 103 otherwise).
 */
export async function ipamCheck(conf: HostLocalConfig, owner: Owner, prevResult?: Result, opts: IpamOptions = {}): Promise<void> {
  validateOwner(owner);
  const store = openStore(conf, opts);
  const mine = store.exists() ? await store.withLock((s) => s.leases().filter((l) => ownedBy(l, owner))) : [];
  if (mine.length === 0) {
    throw new CniError(IpamCode.LeaseNotFound, `host-local: Failed to find address added by container ${owner.containerID}`);
  }
  for (const ipc of prevResult?.ips ?? []) {
    const c = parseCidr(ipc.address);
    if (c === undefined || !conf.rangeSets.some((set) => rangeSetContains(set, c.ip))) continue;
    if (!mine.some((l) => l.ip.family === c.ip.family && l.ip.value === c.ip.value)) {
      throw new CniError(IpamCode.LeaseNotFound, `host-local: address ${formatIP(c.ip)} in prevResult is not leased to ${owner.containerID}/${owner.ifname}`);
    }
  }
}

/**
 * GC (spec 1.1): releases every lease whose owner is not among `valid`. `lock` and
 * `last_reserved_ip.*` are kept. `valid` undefined means the runtime sent no valid-attachments key:
 * nothing is known to be stale, so nothing is released (an empty list, by contrast, releases all).
 * Continues past a failed release and reports all failures at the end.
 */
export async function ipamGc(ref: StoreRef, valid: readonly Attachment[] | undefined, opts: IpamOptions = {}): Promise<void> {
  if (valid === undefined) return;
  const store = openStore(ref, opts);
  if (!store.exists()) return;
  const owners: Owner[] = valid.map((a) => ({ containerID: a.containerID, ifname: a.ifname }));
  await store.withLock((s) => {
    // A foreign entry is nobody's lease to collect: it stays, and its address stays taken.
    const stale = s.leases().filter((l) => l.foreign === undefined && !owners.some((o) => ownedBy(l, o)));
    releaseEach(s, stale, 'GC');
  });
}

/** STATUS (spec 1.1): code 50 when a range set has no free address left, naming the set. */
export async function ipamStatus(conf: HostLocalConfig, opts: IpamOptions = {}): Promise<void> {
  const store = openStore(conf, opts);
  const leases = store.exists() ? await store.withLock((s) => s.leases()) : [];
  conf.rangeSets.forEach((set, i) => {
    if (freeCount(set, conf.exclude, leases) <= 0n) {
      throw new CniError(CniCode.PluginNotAvailable, `range set ${i} (${set.field}: ${rangeSetToString(set)}) has no free address`);
    }
  });
}

/** The store for a network: the given one, or the reference-layout DiskStore. */
export function openStore(ref: StoreRef, opts: IpamOptions = {}): Store {
  if (opts.store) return opts.store;
  return new DiskStore({ network: ref.name, dataDir: ref.dataDir, lockTimeoutMs: opts.lockTimeoutMs });
}

/**
 * Throws code 4 unless the container ID and ifname are what CNI allows (the dispatcher's own rules,
 * applied again for in-process callers): the ID is written into lease files and the ifname follows
 * it after `\r\n`, so neither may carry separators, NUL bytes or path syntax.
 */
export function validateOwner(owner: Owner): void {
  validateContainerId(String(owner.containerID));
  validateIfName(String(owner.ifname));
}

function allocateAll(s: StoreSession, conf: HostLocalConfig, owner: Owner): Allocation[] {
  const leases = s.leases();
  const pending = [...conf.requestedIPs];
  const done: Allocation[] = [];
  try {
    conf.rangeSets.forEach((set, index) => {
      // The first requested address inside this set is the one it hands out (reference order).
      const k = pending.findIndex((ip) => rangeSetContains(set, ip));
      const requested = k >= 0 ? pending.splice(k, 1)[0] : undefined;
      done.push(allocate(s, set, index, owner, requested, conf.exclude, leases));
    });
    if (pending.length > 0) {
      throw new CniError(IpamCode.AddressUnavailable, `failed to allocate all requested IPs: ${pending.map(formatIP).join(' ')}`);
    }
    return done;
  } catch (err) {
    for (const a of done) {
      try {
        s.release(a.ip);
      } catch {
        // The original error is the one to report; a lease left behind is collected by DEL or GC.
      }
    }
    throw err;
  }
}

function releaseEach(s: StoreSession, leases: readonly Lease[], verb: string): void {
  const releases = new BestEffort();
  for (const l of leases) releases.attemptSync(() => s.release(l.ip));
  const messages = releases.errors.map((err) => (err instanceof Error ? err.message : String(err)));
  if (!releases.ok) throw new CniError(CniCode.IoFailure, `${verb}: ${messages.join('; ')}`);
}

function toIPConfig(a: Allocation): ParsedIPConfig {
  return { address: { ip: a.ip, prefix: a.range.subnet.prefix }, gateway: a.range.gateway };
}
