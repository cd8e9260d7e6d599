import { configError, show } from './errors';
import { formatIP, lastOf, networkOf, parseCidr, parseIP, type Family, type IP } from '../ip';

/** An inclusive interval of addresses of one family. */
export interface Interval {
  readonly family: Family;
  readonly lo: bigint;
  readonly hi: bigint;
}

/**
 * Parses the `exclude` list (beyond the reference: addresses and CIDRs that are never handed out,
 * https://github.com/containernetworking/plugins/issues/363). Returns merged, sorted intervals.
 * Absent or null means none. A CIDR with host bits set is refused, as a subnet is: `10.0.0.5/24` is
 * more likely a typo than a wish to exclude the whole /24.
 */
export function parseExclude(value: unknown, field: string): Interval[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw configError(field, `must be an array of addresses or CIDRs, got ${show(value)}`);
  const out: Interval[] = value.map((item, i) => {
    const f = `${field}/${i}`;
    if (typeof item !== 'string') throw configError(f, `must be an IP address or CIDR string, got ${show(item)}`);
    if (!item.includes('/')) {
      const ip = parseIP(item);
      if (ip === undefined) throw configError(f, `invalid IP address: ${show(item)}`);
      return { family: ip.family, lo: ip.value, hi: ip.value };
    }
    const c = parseCidr(item);
    if (c === undefined) throw configError(f, `invalid CIDR address: ${show(item)}`);
    const network = networkOf(c);
    if (network !== c.ip.value) {
      const net = formatIP({ family: c.ip.family, value: network });
      throw configError(f, `Network has host bits set. For a subnet mask of length ${c.prefix} the network address is ${net}`);
    }
    return { family: c.ip.family, lo: network, hi: lastOf(c) };
  });
  return mergeIntervals(out);
}

/** Sorts intervals and merges those that overlap or touch. */
export function mergeIntervals(list: readonly Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.family - b.family || (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === iv.family && iv.lo <= last.hi + 1n) {
      if (iv.hi > last.hi) out[out.length - 1] = { family: last.family, lo: last.lo, hi: iv.hi };
    } else {
      out.push(iv);
    }
  }
  return out;
}

/** True when an interval holds `ip`. */
export function isExcluded(list: readonly Interval[], ip: IP): boolean {
  return list.some((iv) => iv.family === ip.family && ip.value >= iv.lo && ip.value <= iv.hi);
}

/**
 * The parts of [lo, hi] not covered by `holes` (merged, sorted), in ascending order: the allocatable
 * segments of a range once excluded addresses and the gateway are taken out.
 */
export function subtractIntervals(family: Family, lo: bigint, hi: bigint, holes: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let cur = lo;
  for (const h of holes) {
    if (h.family !== family || h.hi < cur) continue;
    if (h.lo > hi) break;
    if (h.lo > cur) out.push({ family, lo: cur, hi: h.lo - 1n });
    cur = h.hi + 1n;
    if (cur > hi) return out;
  }
  out.push({ family, lo: cur, hi });
  return out;
}
