import { configError, show } from './errors';
import {
  bitsOf, formatCidr, formatIP, lastOf, networkOf, parseCidr, parseIP,
  type Cidr, type Family, type IP,
} from '../ip';

/** A range as configured (`ranges[i][j]`, or the legacy top-level keys): values not yet checked. */
export interface RangeInput {
  subnet?: unknown;
  rangeStart?: unknown;
  rangeEnd?: unknown;
  gateway?: unknown;
}

/** A validated range with the reference's defaults filled in. Bounds are inclusive. */
export interface Range {
  readonly family: Family;
  /** The subnet, host bits cleared. */
  readonly subnet: Cidr;
  readonly rangeStart: bigint;
  readonly rangeEnd: bigint;
  /** Never handed out; the result's `gateway`. May lie outside the subnet, as the reference allows. */
  readonly gateway: IP;
}

/**
 * Validates a range and fills in the reference defaults: rangeStart = network+1, rangeEnd = the
 * broadcast-1 for IPv4 and the last address for IPv6, gateway = network+1. `field` names the range
 * in error messages as a JSON pointer (e.g. `/ipam/ranges/0/1`); every error is code 7 and names it.
 * As in Go, an absent, null or empty-string rangeStart/rangeEnd/gateway means "use the default".
 */
export function canonicalizeRange(input: RangeInput, field: string): Range {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw configError(field, `must be an object, got ${show(input)}`);
  }
  const subnet = parseSubnet(input.subnet, `${field}/subnet`);
  const family = subnet.ip.family;
  const network = subnet.ip.value;
  const broadcast = lastOf(subnet);
  const subnetText = formatCidr(subnet);

  const gateway = optionalIP(input.gateway, `${field}/gateway`) ?? { family, value: network + 1n };
  if (gateway.family !== family) {
    throw configError(`${field}/gateway`, `gateway ${formatIP(gateway)} is not an IPv${family} address like subnet ${subnetText}`);
  }

  const inSubnet = (ip: IP): boolean => ip.family === family && ip.value >= network && ip.value <= broadcast;
  const start = optionalIP(input.rangeStart, `${field}/rangeStart`);
  if (start !== undefined && !inSubnet(start)) {
    throw configError(`${field}/rangeStart`, `RangeStart ${formatIP(start)} not in network ${subnetText}`);
  }
  const end = optionalIP(input.rangeEnd, `${field}/rangeEnd`);
  if (end !== undefined && !inSubnet(end)) {
    throw configError(`${field}/rangeEnd`, `RangeEnd ${formatIP(end)} not in network ${subnetText}`);
  }
  const rangeStart = start?.value ?? network + 1n;
  // The reference leaves out the IPv4 broadcast address only; IPv6 has none.
  const rangeEnd = end?.value ?? (family === 4 ? broadcast - 1n : broadcast);
  if (rangeStart > rangeEnd) {
    // The reference accepts this and then iterates past the subnet's end; refuse it up front.
    throw configError(field, `RangeStart ${formatIP({ family, value: rangeStart })} is after RangeEnd ${formatIP({ family, value: rangeEnd })}`);
  }
  return { family, subnet, rangeStart, rangeEnd, gateway };
}

/** True when `ip` lies between the range's start and end (inclusive). */
export function rangeContains(r: Range, ip: IP): boolean {
  return ip.family === r.family && ip.value >= r.rangeStart && ip.value <= r.rangeEnd;
}

/** True when two ranges share an address. */
export function rangesOverlap(a: Range, b: Range): boolean {
  return a.family === b.family && a.rangeStart <= b.rangeEnd && b.rangeStart <= a.rangeEnd;
}

/** `start-end`, the reference's text for a range (used in its error messages). */
export function rangeToString(r: Range): string {
  return `${formatIP({ family: r.family, value: r.rangeStart })}-${formatIP({ family: r.family, value: r.rangeEnd })}`;
}

/** Parses a subnet: a CIDR string with no host bits, large enough to hold an address besides its own. */
export function parseSubnet(value: unknown, field: string): Cidr {
  if (value === undefined || value === null || value === '') throw configError(field, 'is required');
  if (typeof value !== 'string') throw configError(field, `must be a CIDR string, got ${show(value)}`);
  const c = parseCidr(value);
  if (c === undefined) throw configError(field, `invalid CIDR address: ${show(value)}`);
  const bits = bitsOf(c.ip.family);
  // Nothing to allocate in a v4 /31 or /32 (or v6 /127, /128) once the network and gateway are set aside.
  if (c.prefix > bits - 2) throw configError(field, `Network ${formatCidr(c)} too small to allocate from`);
  const network = networkOf(c);
  if (network !== c.ip.value) {
    const net = formatIP({ family: c.ip.family, value: network });
    throw configError(field, `Network has host bits set. For a subnet mask of length ${c.prefix} the network address is ${net}`);
  }
  return c;
}

/** An optional address: undefined, null and "" are absent (Go decodes all three to a nil net.IP). */
export function optionalIP(value: unknown, field: string): IP | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw configError(field, `must be an IP address string, got ${show(value)}`);
  const ip = parseIP(value);
  if (ip === undefined) throw configError(field, `invalid IP address: ${show(value)}`);
  return ip;
}
