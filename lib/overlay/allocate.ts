/**
 * Subnet allocation, after flannel's AcquireLease (research A1 "Subnet leasing", B "Recommended
 * allocation algorithm"): reuse the lease that carries our PublicIP, else the subnet we had before,
 * else a random one among the first 100 free, created with a create-if-absent so racing nodes never
 * share a subnet. A subnet key whose value cannot be read counts as held: the choice never relies on
 * the create failing on it. The choice is pure ({@link chooseSubnet}); {@link acquireLease} runs it against a
 * store.
 */
import { formatCidr, lastOf, networkOf, parseCidr, type Cidr } from '../ip';
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

/**
 * Checks an overlay config (from a user or read back from a store) and returns it typed. Throws an
 * {@link OverlayConfigError} naming the field: Network a valid IPv4 network no smaller than /28,
 * SubnetLen longer than its prefix and at most 30, Backend.Type "vxlan", Backend.VNI 1..16777215,
 * Backend.Port 1..65535.
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
  return { Network: c.Network as string, SubnetLen: len, Backend: { Type: 'vxlan', VNI: b.VNI as number, Port: b.Port as number } };
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
 * @throws SubnetUnavailableError when no subnet is free.
 */
export function chooseSubnet(
  config: OverlayConfig,
  leases: readonly Lease[],
  publicIP: string,
  previous?: string,
  random: () => number = Math.random,
  unreadable: readonly string[] = [],
): SubnetChoice {
  const space = subnetSpace(config);
  const ours = leases.find((l) => l.attrs.PublicIP === publicIP && space.fits(l.subnet));
  if (ours !== undefined) return { subnet: ours.subnet, reuse: true };
  const held = [...leases.map((l) => l.subnet), ...unreadable].map((s) => parseCidr(s)).filter((c): c is Cidr => c !== undefined);
  const isFree = (first: bigint): boolean => !held.some((h) => overlaps(h, first, space.size));
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
    throw new SubnetUnavailableError(`no free /${config.SubnetLen} subnet left in ${config.Network} (${leases.length} leased${more})`);
  }
  const pick = free[Math.min(free.length - 1, Math.floor(random() * free.length))]!;
  return { subnet: formatCidr({ ip: { family: 4, value: pick }, prefix: config.SubnetLen }), reuse: false };
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
}

/**
 * Leases a subnet of `network` for this node: reads the config, lists the leases, deletes our leases
 * that no longer fit the config (flannel does the same) and those holding our VTEP MAC under another
 * PublicIP (this node before its address changed: their subnet is preferred), chooses ({@link chooseSubnet}), and creates
 * the lease if absent (or renews ours). A lost race (created meanwhile by another node, or our lease
 * expired between the listing and the renewal) is retried with a fresh listing.
 * @returns the lease, its expiresAt computed locally (no later than the store's own expiry).
 */
export async function acquireLease(store: SubnetStore, network: string, attrs: LeaseAttrs, opts: AcquireOptions): Promise<Lease> {
  const retries = opts.retries ?? 10;
  const config = await store.getConfig(network);
  if (config === undefined) throw new SubnetUnavailableError(`overlay network ${JSON.stringify(network)} has no config in the store`);
  const space = subnetSpace(validateConfig(config));
  const mac = attrs.BackendData.VtepMAC.toLowerCase();
  for (let attempt = 0; attempt < retries; attempt++) {
    const { leases, unreadable = [] } = await store.listLeases(network);
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
      choice = chooseSubnet(config, leases.filter((l) => !stale.includes(l) && !moved.includes(l)), attrs.PublicIP, previous, opts.random, held);
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

/** The subnets a config allows: SubnetMin..SubnetMax in steps of one subnet. */
function subnetSpace(config: OverlayConfig): { min: bigint; max: bigint; size: bigint; fits(subnet: string): boolean } {
  const net = parseCidr(config.Network);
  if (net === undefined) throw new OverlayConfigError('Network', `${JSON.stringify(config.Network)} is not an IPv4 CIDR`);
  const size = 1n << BigInt(32 - config.SubnetLen);
  const min = networkOf(net) + size;
  const max = lastOf(net) - size + 1n;
  return {
    min,
    max,
    size,
    fits(subnet) {
      const c = parseCidr(subnet);
      if (c === undefined || c.ip.family !== 4 || c.prefix !== config.SubnetLen) return false;
      const v = c.ip.value;
      return v >= min && v <= max && (v - min) % size === 0n;
    },
  };
}

/** True when CIDR `a` shares an address with the subnet of `size` addresses starting at `first`. */
function overlaps(a: Cidr, first: bigint, size: bigint): boolean {
  if (a.ip.family !== 4) return false;
  return networkOf(a) <= first + size - 1n && lastOf(a) >= first;
}

function isIntIn(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}
