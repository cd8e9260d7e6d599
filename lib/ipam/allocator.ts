import { CniError } from '../cni';
import { IpamCode } from './errors';
import { isExcluded, mergeIntervals, subtractIntervals, type Interval } from './exclude';
import { formatIP, ipEqual, ipKey, type IP } from '../ip';
import { rangeContains, type Range } from './range';
import { rangeFor, rangeSetToString, type RangeSet } from './range-set';
import type { Lease, StoreSession } from './store';

/** Who an address is for: CNI_CONTAINERID and CNI_IFNAME. */
export interface Owner {
  containerID: string;
  ifname: string;
}

/** An address handed out from range set `index`, with the range it came from (prefix, gateway). */
export interface Allocation {
  ip: IP;
  range: Range;
  index: number;
}

/** True when `lease` belongs to `owner`; a legacy lease (no ifname) belongs to every ifname. */
export function ownedBy(lease: Lease, owner: Owner): boolean {
  return lease.containerID === owner.containerID.trim() && (lease.ifname === undefined || lease.ifname === owner.ifname);
}

/**
 * The leases DEL releases, as the reference picks them: those written for exactly (containerID,
 * ifname); only when there are none, the legacy leases holding the container ID alone.
 */
export function leasesToRelease(leases: readonly Lease[], owner: Owner): Lease[] {
  const id = owner.containerID.trim();
  const exact = leases.filter((l) => l.containerID === id && l.ifname === owner.ifname);
  return exact.length > 0 ? exact : leases.filter((l) => l.containerID === id && l.ifname === undefined);
}

/**
 * Hands out one address of range set `index` to `owner` under the store lock, and moves the set's
 * round-robin cursor to it. `requested` (already known to lie in the set) is reserved as is; otherwise
 * the scan starts just after `last_reserved_ip.<index>` and wraps once around the set, so a
 * crash-looping container does not get the same address back until the whole set has been used
 * (https://github.com/containernetworking/cni/issues/194). The gateway and excluded addresses are
 * never handed out. `leases` is the store's content read under the same lock.
 */
export function allocate(
  session: StoreSession,
  set: RangeSet,
  index: number,
  owner: Owner,
  requested: IP | undefined,
  exclude: readonly Interval[],
  leases: readonly Lease[],
): Allocation {
  const fail = (code: number, msg: string): CniError => new CniError(code, `failed to allocate for range ${index}: ${msg}`);
  // The spec forbids a second ADD for one attachment without a DEL; two leases would leak one.
  const held = leases.find((l) => ownedBy(l, owner) && rangeFor(set, l.ip) !== undefined);
  if (held) {
    throw fail(IpamCode.DuplicateAllocation, `${formatIP(held.ip)} has been allocated to ${owner.containerID}, duplicate allocation is not allowed`);
  }

  if (requested !== undefined) {
    const range = rangeFor(set, requested);
    const text = formatIP(requested);
    if (range === undefined) throw fail(IpamCode.AddressUnavailable, `${text} not in range set ${rangeSetToString(set)}`);
    if (ipEqual(requested, range.gateway)) throw fail(IpamCode.AddressUnavailable, `requested ip ${text} is subnet's gateway`);
    if (isExcluded(exclude, requested)) throw fail(IpamCode.AddressUnavailable, `requested ip ${text} is excluded`);
    if (!session.reserve(requested, owner.containerID, owner.ifname)) {
      throw fail(IpamCode.AddressUnavailable, `requested IP address ${text} is not available in range set ${rangeSetToString(set)}`);
    }
    session.setLastReserved(index, requested);
    return { ip: requested, range, index };
  }

  const taken = new Set(leases.map((l) => ipKey(l.ip)));
  const segments = allocatableSegments(set, exclude);
  for (const { value, rangeIndex } of scan(set, segments, session.lastReserved(index))) {
    const ip: IP = { family: set.family, value };
    if (taken.has(ipKey(ip))) continue;
    // A false here means a lease file we could not read as one; skip it like any taken address.
    if (!session.reserve(ip, owner.containerID, owner.ifname)) continue;
    session.setLastReserved(index, ip);
    return { ip, range: set.ranges[rangeIndex]!, index };
  }
  throw fail(IpamCode.PoolExhausted, `no IP addresses available in range set: ${rangeSetToString(set)}`);
}

/**
 * Per range, the addresses that may be handed out, as ascending intervals: the range minus its
 * gateway and the excluded addresses. Intervals let the scan jump over an excluded /64 in one step.
 */
export function allocatableSegments(set: RangeSet, exclude: readonly Interval[]): Interval[][] {
  return set.ranges.map((r) => {
    const holes = mergeIntervals([...exclude, { family: r.gateway.family, lo: r.gateway.value, hi: r.gateway.value }]);
    return subtractIntervals(r.family, r.rangeStart, r.rangeEnd, holes);
  });
}

/**
 * How many addresses of the set are neither reserved nor withheld (STATUS). Counted from intervals,
 * never by walking the set: an IPv6 /64 is 2^64 addresses.
 */
export function freeCount(set: RangeSet, exclude: readonly Interval[], leases: readonly Lease[]): bigint {
  const segments = allocatableSegments(set, exclude).flat();
  let total = segments.reduce((n, s) => n + (s.hi - s.lo + 1n), 0n);
  const seen = new Set<string>();
  for (const l of leases) {
    if (seen.has(ipKey(l.ip))) continue;
    seen.add(ipKey(l.ip));
    if (segments.some((s) => s.family === l.ip.family && l.ip.value >= s.lo && l.ip.value <= s.hi)) total--;
  }
  return total;
}

/**
 * The reference's iteration order: from the range holding the cursor, the addresses after it; then
 * the following ranges in configuration order, wrapping; then the cursor's range up to the cursor
 * itself. Without a usable cursor (none, unreadable, or outside the set after a config change) the
 * scan starts at the first range's rangeStart.
 */
function* scan(set: RangeSet, segments: Interval[][], last: IP | undefined): Generator<{ value: bigint; rangeIndex: number }> {
  const n = set.ranges.length;
  let start = 0;
  let cursor: bigint | undefined;
  if (last !== undefined) {
    const i = set.ranges.findIndex((r) => rangeContains(r, last));
    if (i >= 0) {
      start = i;
      cursor = last.value;
    }
  }
  yield* within(segments[start]!, start, cursor === undefined ? undefined : cursor + 1n, undefined);
  for (let k = 1; k < n; k++) yield* within(segments[(start + k) % n]!, (start + k) % n, undefined, undefined);
  if (cursor !== undefined) yield* within(segments[start]!, start, undefined, cursor);
}

function* within(segs: Interval[], rangeIndex: number, from: bigint | undefined, to: bigint | undefined): Generator<{ value: bigint; rangeIndex: number }> {
  for (const s of segs) {
    const lo = from !== undefined && from > s.lo ? from : s.lo;
    const hi = to !== undefined && to < s.hi ? to : s.hi;
    for (let v = lo; v <= hi; v++) yield { value: v, rangeIndex };
  }
}
