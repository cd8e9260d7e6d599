/**
 * IPv4 subnet rules of `network create`, with Docker's messages: a subnet is canonical and overlaps no
 * other network's, a gateway and an ip-range lie inside it, and an absent subnet is picked from
 * 10.88.0.0/16, 10.89.0.0/16, ... (berth's default pool; the default bridge has 10.87.0.0/16).
 */
import { formatCidr, formatIP, lastOf, networkOf, parseCidr, parseIP, type Cidr } from '../../ip';
import { NetworkError } from './types';

/** The first auto-picked /16 is 10.<FIRST_AUTO_OCTET>.0.0. */
const FIRST_AUTO_OCTET = 88;

/** An IPv4 network in canonical form. */
export interface Subnet {
  cidr: Cidr;
  text: string;
  first: bigint;
  last: bigint;
}

/**
 * Parses `--subnet` (or `--ip-range`, named by `flag`).
 * @throws {NetworkError} `invalid CIDR address: x`, `invalid subnet x: it should be y`, IPv6
 */
export function parseSubnet(text: string, flag = 'subnet'): Subnet {
  const cidr = parseCidr(text);
  if (!cidr) throw new NetworkError(`invalid CIDR address: ${text}`, 'invalid');
  if (cidr.ip.family !== 4) throw new NetworkError(`invalid ${flag} ${text}: berth networks are IPv4 only (no --ipv6)`, 'invalid');
  const first = networkOf(cidr);
  const canonical = formatCidr({ ip: { family: 4, value: first }, prefix: cidr.prefix });
  // Docker (since 25.0) refuses host bits rather than silently moving the network.
  if (canonical !== text) throw new NetworkError(`invalid ${flag} ${text}: it should be ${canonical}`, 'invalid');
  if (flag === 'subnet' && cidr.prefix > 30) throw new NetworkError(`invalid subnet ${text}: a /${cidr.prefix} leaves no address for containers`, 'invalid');
  return { cidr, text, first, last: lastOf(cidr) };
}

/** True when the two networks share an address. */
export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/**
 * Refuses a subnet that overlaps one already used.
 * @throws {NetworkError} Docker's `invalid pool request: Pool overlaps with other one on this address space`
 */
export function assertNoOverlap(subnet: Subnet, used: readonly Subnet[]): void {
  if (used.some((u) => overlaps(u, subnet))) {
    throw new NetworkError('invalid pool request: Pool overlaps with other one on this address space', 'conflict');
  }
}

/**
 * The first of 10.88.0.0/16, 10.89.0.0/16, ... 10.255.0.0/16 that overlaps nothing in `used`.
 * @throws {NetworkError} Docker's message when the pool is exhausted
 */
export function pickSubnet(used: readonly Subnet[]): Subnet {
  for (let octet = FIRST_AUTO_OCTET; octet <= 255; octet++) {
    const candidate = parseSubnet(`10.${octet}.0.0/16`);
    if (!used.some((u) => overlaps(u, candidate))) return candidate;
  }
  throw new NetworkError('could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network', 'conflict');
}

/**
 * Checks `--gateway` lies in the subnet (and is neither its network nor broadcast address).
 * @throws {NetworkError} `no matching subnet for gateway x`
 */
export function checkGateway(subnet: Subnet, gateway: string): string {
  const ip = parseIP(gateway);
  if (!ip || ip.family !== 4) throw new NetworkError(`invalid gateway address: ${gateway}`, 'invalid');
  if (ip.value < subnet.first || ip.value > subnet.last) throw new NetworkError(`no matching subnet for gateway ${gateway}`, 'invalid');
  if (ip.value === subnet.first || ip.value === subnet.last) {
    throw new NetworkError(`invalid gateway ${gateway}: it is the network or broadcast address of ${subnet.text}`, 'invalid');
  }
  return formatIP(ip);
}

/**
 * Checks `--ip-range` lies in the subnet.
 * @throws {NetworkError} `no matching subnet for ip-range x`
 */
export function checkIpRange(subnet: Subnet, ipRange: string): Subnet {
  const range = parseSubnet(ipRange, 'ip-range');
  if (range.first < subnet.first || range.last > subnet.last) throw new NetworkError(`no matching subnet for ip-range ${ipRange}`, 'invalid');
  return range;
}

/** The subnet's first host address (Docker's default gateway). */
export function firstHost(subnet: Subnet): string {
  return formatIP({ family: 4, value: subnet.first + 1n });
}

/**
 * host-local's rangeStart/rangeEnd for an ip-range: its addresses less the subnet's network and
 * broadcast addresses, which host-local never hands out.
 */
export function rangeBounds(subnet: Subnet, range: Subnet): { rangeStart: string; rangeEnd: string } {
  const start = range.first > subnet.first ? range.first : subnet.first + 1n;
  const end = range.last < subnet.last ? range.last : subnet.last - 1n;
  return { rangeStart: formatIP({ family: 4, value: start }), rangeEnd: formatIP({ family: 4, value: end }) };
}
