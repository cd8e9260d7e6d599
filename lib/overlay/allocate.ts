/**
 * Subnet allocation, after flannel's AcquireLease (research A1 "Subnet leasing", B "Recommended
 * allocation algorithm"): reuse the lease that carries our PublicIP, else the subnet we had before,
 * else a random one among the first 100 free, created with a create-if-absent so racing nodes never
 * share a subnet. A subnet key whose value cannot be read counts as held: the choice never relies on
 * the create failing on it. The choice is pure ({@link chooseSubnet}); {@link acquireLease} runs it against a
 * store.
 *
 * A dual-stack network (IPv6Network set) is leased family by family: the IPv4 subnet of Network and the
 * IPv6 subnet of IPv6Network are two leases under two keys, each taken by its own create-if-absent, so
 * no prefix of either family is ever handed to two nodes. (flannel keeps both in one key named by the
 * pair, where two nodes racing with different IPv4 but the same IPv6 subnet both win.) Each family's
 * choice looks only at that family's leases.
 */
import { formatCidr, lastOf, networkOf, parseCidr, type Cidr, type Family } from '../ip';
import type { SubnetStore, UnreadableLease } from './store';
import type { Lease, LeaseAttrs, OverlayConfig } from './types';

/** Invalid overlay config: `field` is the offending field, as the config spells it ("Backend.VNI"). */
export class OverlayConfigError extends Error {
  readonly field: string;
  constructor(field: string, detail: string) {
    super(`invalid overlay config: ${field}: ${detail}`);
    this.name = 'OverlayConfigError';
    this.field = field;
  }
}

/** No subnet could be had: the network is full, or every attempt lost a race. */
export class SubnetUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubnetUnavailableError';
  }
}

/** How many free subnets the random pick chooses among (flannel's allocateSubnet). */
const RANDOM_POOL = 100;

/** flannel's default subnet length: /24 when the network is /22 or larger, else two bits longer. */
export function defaultSubnetLen(network: string): number {
  const c = parseCidr(network);
  if (c === undefined || c.ip.family !== 4) throw new OverlayConfigError('Network', `${JSON.stringify(network)} is not an IPv4 CIDR`);
  return c.prefix <= 22 ? 24 : c.prefix + 2;
}

/** flannel's default IPv6 subnet length: /64 when the network is /62 or larger, else two bits longer. */
export function defaultIPv6SubnetLen(network: string): number {
  const c = parseCidr(network);
  if (c === undefined || c.ip.family !== 6) throw new OverlayConfigError('IPv6Network', `${JSON.stringify(network)} is not an IPv6 CIDR`);
  return c.prefix <= 62 ? 64 : c.prefix + 2;
}

/** The families a config leases subnets of: 4, and 6 when IPv6Network is set. */
export function configFamilies(config: OverlayConfig): Family[] {
  return config.IPv6Network === undefined ? [4] : [4, 6];
}

/**
 * Checks an overlay config (from a user or read back from a store) and returns it typed. Throws an
 * {@link OverlayConfigError} naming the field: Network a valid IPv4 network no smaller than /28,
 * SubnetLen longer than its prefix and at most 30, Backend.Type "vxlan", Backend.VNI 1..16777215,
 * Backend.Port 1..65535; IPv6Network, when present, a valid IPv6 network no smaller than /124 and
 * IPv6SubnetLen (flannel's default when absent) longer than its prefix and at most 126.
 */
export function validateConfig(config: unknown): OverlayConfig {
  const c = config as Partial<Record<string, unknown>> | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new OverlayConfigError('(config)', 'must be an object');
  const net = typeof c.Network === 'string' ? parseCidr(c.Network) : undefined;
  if (net === undefined || net.ip.family !== 4) throw new OverlayConfigError('Network', `${JSON.stringify(c.Network)} is not an IPv4 CIDR`);
  if (net.prefix > 28) throw new OverlayConfigError('Network', `${c.Network} is smaller than /28`);
  if (networkOf(net) !== net.ip.value) {
    throw new OverlayConfigError('Network', `${c.Network} has host bits set (the network is ${formatCidr({ ip: { family: 4, value: networkOf(net) }, prefix: net.prefix })})`);
  }
  const len = c.SubnetLen;
  if (typeof len !== 'number' || !Number.isInteger(len) || len <= net.prefix || len > 30) {
    throw new OverlayConfigError('SubnetLen', `${JSON.stringify(len)} must be an integer longer than the network's /${net.prefix} and at most 30`);
  }
  const b = c.Backend as Partial<Record<string, unknown>> | null | undefined;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new OverlayConfigError('Backend', 'must be an object');
  if (b.Type !== 'vxlan') throw new OverlayConfigError('Backend.Type', `${JSON.stringify(b.Type)} is not "vxlan"`);
  if (!isIntIn(b.VNI, 1, 0xffffff)) throw new OverlayConfigError('Backend.VNI', `${JSON.stringify(b.VNI)} is not an integer in 1..16777215`);
  if (!isIntIn(b.Port, 1, 65535)) throw new OverlayConfigError('Backend.Port', `${JSON.stringify(b.Port)} is not a port in 1..65535`);
  const v6 = validateIPv6(c);
  return { Network: c.Network as string, SubnetLen: len, ...v6, Backend: { Type: 'vxlan', VNI: b.VNI as number, Port: b.Port as number } };
}

/** The IPv6 half of {@link validateConfig}: `{}` for an IPv4-only config. */
function validateIPv6(c: Partial<Record<string, unknown>>): { IPv6Network?: string; IPv6SubnetLen?: number } {
  if (c.IPv6Network === undefined || c.IPv6Network === null) {
    if (c.IPv6SubnetLen !== undefined && c.IPv6SubnetLen !== null) throw new OverlayConfigError('IPv6SubnetLen', 'is set but IPv6Network is not');
    return {};
  }
  const net = typeof c.IPv6Network === 'string' ? parseCidr(c.IPv6Network) : undefined;
  if (net === undefined || net.ip.family !== 6) throw new OverlayConfigError('IPv6Network', `${JSON.stringify(c.IPv6Network)} is not an IPv6 CIDR`);
  if (net.prefix > 124) throw new OverlayConfigError('IPv6Network', `${c.IPv6Network} is smaller than /124`);
  const canonical = formatCidr({ ip: { family: 6, value: networkOf(net) }, prefix: net.prefix });
  if (canonical !== c.IPv6Network) {
    throw new OverlayConfigError('IPv6Network', networkOf(net) !== net.ip.value
      ? `${c.IPv6Network} has host bits set (the network is ${canonical})`
      : `${c.IPv6Network} is not in canonical form (${canonical}): the subnets are named by their text`);
  }
  const len = c.IPv6SubnetLen ?? defaultIPv6SubnetLen(canonical);
  if (typeof len !== 'number' || !Number.isInteger(len) || len <= net.prefix || len > 126) {
    throw new OverlayConfigError('IPv6SubnetLen', `${JSON.stringify(len)} must be an integer longer than the network's /${net.prefix} and at most 126`);
  }
  return { IPv6Network: canonical, IPv6SubnetLen: len };
}

/** What {@link chooseSubnet} picked. */
export interface SubnetChoice {
  /** "10.244.3.0/24". */
  readonly subnet: string;
  /** True when it is our existing lease (renew it); false for a subnet to create. */
  readonly reuse: boolean;
}

/**
 * Picks this node's subnet, in flannel's order:
 * 1. the lease whose PublicIP is ours, if it still fits the config (reuse: renew it);
 * 2. `previous` (the subnet of our last lease file), if it fits and nobody holds it;
 * 3. a random one among the first 100 free subnets from SubnetMin (the network's second subnet: the
 *    first is skipped, its address being the network's own) to SubnetMax (the last).
 * @param leases the network's live leases (a store listing).
 * @param random a source of [0, 1) for the pick (tests pass a fixed one).
 * @param unreadable subnets whose key exists with a value nobody can read: held, never chosen (the
 *   listing's `unreadable`). Not free because they cannot be understood.
 * @param family 6 picks an IPv6 subnet of IPv6Network (IPv6SubnetLen long); only that family's
 *   leases count, so our IPv4 lease never passes for our IPv6 one.
 * @throws SubnetUnavailableError when no subnet is free.
 */
export function chooseSubnet(
  config: OverlayConfig,
  leases: readonly Lease[],
  publicIP: string,
  previous?: string,
  random: () => number = Math.random,
  unreadable: readonly string[] = [],
  family: Family = 4,
): SubnetChoice {
  const space = subnetSpace(config, family);
  const ours = leases.find((l) => l.attrs.PublicIP === publicIP && space.fits(l.subnet));
  if (ours !== undefined) return { subnet: ours.subnet, reuse: true };
  const held = [...leases.map((l) => l.subnet), ...unreadable].map((s) => parseCidr(s)).filter((c): c is Cidr => c !== undefined);
  const isFree = (first: bigint): boolean => !held.some((h) => overlaps(h, first, space.size, family));
  if (previous !== undefined && space.fits(previous)) {
    const prev = parseCidr(previous)!;
    if (isFree(prev.ip.value)) return { subnet: formatCidr(prev), reuse: false };
  }
  const free: bigint[] = [];
  for (let s = space.min; s <= space.max && free.length < RANDOM_POOL; s += space.size) {
    if (isFree(s)) free.push(s);
  }
  if (free.length === 0) {
    const more = unreadable.length > 0 ? `, ${unreadable.length} held by unreadable keys` : '';
    const leased = leases.filter((l) => parseCidr(l.subnet)?.ip.family === family).length;
    throw new SubnetUnavailableError(`no free /${space.len} subnet left in ${space.network} (${leased} leased${more})`);
  }
  const pick = free[Math.min(free.length - 1, Math.floor(random() * free.length))]!;
  return { subnet: formatCidr({ ip: { family, value: pick }, prefix: space.len }), reuse: false };
}

/** Options of {@link acquireLease}. */
export interface AcquireOptions {
  /** Lifetime of the lease; renew it before then. */
  readonly ttlMs: number;
  /** Our subnet from before a restart (the lease file), tried before a random one. */
  readonly previous?: string;
  /** Attempts when another node wins the race for the chosen subnet (default 10, flannel's). */
  readonly retries?: number;
  /** Source of randomness for the pick (tests). */
  readonly random?: () => number;
  /** Told of each subnet held by a key whose value cannot be read (berthd logs it), once per listing. */
  readonly onUnreadable?: (lease: UnreadableLease) => void;
  /** Which subnet to lease: 4 (of Network, the default) or 6 (of IPv6Network). */
  readonly family?: Family;
}

/**
 * Leases a subnet of `network` for this node: reads the config, lists the leases, deletes our leases
 * that no longer fit the config (flannel does the same) and those holding our VTEP MAC under another
 * PublicIP (this node before its address changed: their subnet is preferred), chooses ({@link chooseSubnet}), and creates
 * the lease if absent (or renews ours). A lost race (created meanwhile by another node, or our lease
 * expired between the listing and the renewal) is retried with a fresh listing. All of it looks at
 * the leases of `opts.family` alone: an IPv6 acquisition never deletes or reuses an IPv4 lease.
 * @returns the lease, its expiresAt computed locally (no later than the store's own expiry).
 * @throws SubnetUnavailableError also when family 6 is asked of a network without IPv6Network
 */
export async function acquireLease(store: SubnetStore, network: string, attrs: LeaseAttrs, opts: AcquireOptions): Promise<Lease> {
  const retries = opts.retries ?? 10;
  const family = opts.family ?? 4;
  const stored = await store.getConfig(network);
  if (stored === undefined) throw new SubnetUnavailableError(`overlay network ${JSON.stringify(network)} has no config in the store`);
  const config = validateConfig(stored);
  if (!configFamilies(config).includes(family)) throw new SubnetUnavailableError(`overlay network ${JSON.stringify(network)} has no IPv6Network`);
  const space = subnetSpace(config, family);
  const mac = attrs.BackendData.VtepMAC.toLowerCase();
  for (let attempt = 0; attempt < retries; attempt++) {
    const listing = await store.listLeases(network);
    const leases = listing.leases.filter((l) => parseCidr(l.subnet)?.ip.family === family);
    const unreadable = (listing.unreadable ?? []).filter((u) => parseCidr(u.subnet)?.ip.family === family);
    for (const u of unreadable) opts.onUnreadable?.(u);
    const stale = leases.filter((l) => l.attrs.PublicIP === attrs.PublicIP && !space.fits(l.subnet));
    // Our VTEP MAC (persisted per node and network) under another PublicIP is us before a re-IP: that
    // lease cannot be renewed (renewals match the PublicIP) and would leave peers sending to the old
    // address until it expired. Take it over: delete it, and create its subnet again under our address.
    const moved = leases.filter((l) => l.attrs.PublicIP !== attrs.PublicIP && l.attrs.BackendData?.VtepMAC?.toLowerCase() === mac);
    for (const lease of [...stale, ...moved]) await store.deleteLease(network, lease.subnet);
    const previous = moved.find((l) => space.fits(l.subnet))?.subnet ?? opts.previous;
    let choice: SubnetChoice;
    try {
      const held = unreadable.map((u) => u.subnet);
      choice = chooseSubnet(config, leases.filter((l) => !stale.includes(l) && !moved.includes(l)), attrs.PublicIP, previous, opts.random, held, family);
    } catch (err) {
      if (err instanceof SubnetUnavailableError) throw new SubnetUnavailableError(`overlay network ${JSON.stringify(network)}: ${err.message}`);
      throw err;
    }
    const start = Date.now();
    const ok = choice.reuse
      ? await store.renewLease(network, choice.subnet, attrs, opts.ttlMs)
      : await store.createLease(network, choice.subnet, attrs, opts.ttlMs);
    if (ok) return { subnet: choice.subnet, attrs, expiresAt: start + opts.ttlMs };
  }
  throw new SubnetUnavailableError(`overlay network ${JSON.stringify(network)}: lost the race for a subnet ${retries} times`);
}

/** The subnets of one family a config allows: SubnetMin..SubnetMax in steps of one subnet. */
function subnetSpace(config: OverlayConfig, family: Family = 4): { network: string; len: number; min: bigint; max: bigint; size: bigint; fits(subnet: string): boolean } {
  const network = family === 4 ? config.Network : config.IPv6Network;
  const len = family === 4 ? config.SubnetLen : config.IPv6SubnetLen ?? (network === undefined ? NaN : defaultIPv6SubnetLen(network));
  const field = family === 4 ? 'Network' : 'IPv6Network';
  const net = network === undefined ? undefined : parseCidr(network);
  if (net === undefined || net.ip.family !== family) throw new OverlayConfigError(field, `${JSON.stringify(network)} is not an IPv${family} CIDR`);
  const size = 1n << BigInt((family === 4 ? 32 : 128) - len);
  const min = networkOf(net) + size;
  const max = lastOf(net) - size + 1n;
  return {
    network: network!,
    len,
    min,
    max,
    size,
    fits(subnet) {
      const c = parseCidr(subnet);
      if (c === undefined || c.ip.family !== family || c.prefix !== len) return false;
      const v = c.ip.value;
      return v >= min && v <= max && (v - min) % size === 0n;
    },
  };
}

/** True when CIDR `a` shares an address with the subnet of `size` addresses starting at `first`. */
function overlaps(a: Cidr, first: bigint, size: bigint, family: Family): boolean {
  if (a.ip.family !== family) return false;
  return networkOf(a) <= first + size - 1n && lastOf(a) >= first;
}

function isIntIn(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}
