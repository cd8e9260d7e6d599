/**
 * The older result shapes still on the wire, and the helpers the converters share. libcni has three
 * result types (`types020`, `types040`, `types100`); every spec version maps onto one of them.
 * @see https://github.com/containernetworking/cni/tree/main/pkg/types
 */
import { parseIP } from '../ip';
import type { DNS, Route } from './types';

/** Which of libcni's three result types a spec version uses. */
export type ResultFormat = '020' | '040' | '100';

const FORMAT_OF: Readonly<Record<string, ResultFormat>> = {
  '0.1.0': '020',
  '0.2.0': '020',
  '0.3.0': '040',
  '0.3.1': '040',
  '0.4.0': '040',
  // "The types did not change between v1.0 and v1.1" (libcni types/100).
  '1.0.0': '100',
  '1.1.0': '100',
};

/** The result type of a spec version, or undefined for a version we do not know. */
export function resultFormatOf(version: string): ResultFormat | undefined {
  return Object.hasOwn(FORMAT_OF, version) ? FORMAT_OF[version] : undefined;
}

/** An interface in a 0.3.x/0.4.0 result: only name, mac and sandbox existed. */
export interface Interface040 {
  name: string;
  mac?: string;
  sandbox?: string;
}

/** An address in a 0.3.x/0.4.0 result: `version` ("4" or "6") was dropped in 1.0.0. */
export interface IPConfig040 {
  version: '4' | '6';
  interface?: number;
  address: string;
  gateway?: string;
}

/** A 0.3.0, 0.3.1 or 0.4.0 result. */
export interface Result040 {
  cniVersion: string;
  interfaces?: Interface040[];
  ips?: IPConfig040[];
  routes?: Route[];
  dns?: DNS;
}

/** A route in a 0.1.0/0.2.0 result: destination and gateway only. */
export interface Route020 {
  dst: string;
  gw?: string;
}

/** One address family's configuration in a 0.1.0/0.2.0 result. */
export interface IPConfig020 {
  ip: string;
  gateway?: string;
  routes?: Route020[];
}

/** A 0.1.0 or 0.2.0 result: at most one address per family, routes grouped by family. */
export interface Result020 {
  cniVersion: string;
  ip4?: IPConfig020;
  ip6?: IPConfig020;
  dns?: DNS;
}

/**
 * The IP family of an address or CIDR, as Go's `IP.To4() != nil` decides it: IPv4-mapped IPv6
 * (`::ffff:a.b.c.d`) counts as IPv4.
 */
export function ipFamily(addressOrCidr: string): '4' | '6' {
  return parseIP(addressOrCidr.split('/')[0] ?? '')?.family === 4 ? '4' : '6';
}

/**
 * Copies the listed keys of `from` in that order (Go marshals struct fields in declaration order),
 * leaving out what Go's `omitempty` drops: undefined, empty strings and empty arrays. With `keepExtras`,
 * keys the list does not name follow, so that fields from a newer spec survive a pass-through.
 */
export function pickFields<T extends object>(from: T, keys: readonly string[], keepExtras = false): T {
  const src = from as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const put = (key: string): void => {
    const value = src[key];
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return;
    out[key] = value;
  };
  for (const key of keys) put(key);
  if (keepExtras) for (const key of Object.keys(src)) if (!keys.includes(key)) put(key);
  return out as T;
}

/** Route fields in Go's order (`types.Route`, shared by the 0.3.0+ result types). */
export const ROUTE_KEYS = ['dst', 'gw', 'mtu', 'advmss', 'priority', 'table', 'scope'] as const;

/**
 * DNS with empty fields dropped, or undefined when nothing is left. libcni 1.x drops an empty `dns`
 * with a custom marshaller; we do so for every version (an absent `dns` and `{}` mean the same thing).
 */
export function cleanDns(dns: DNS | undefined): DNS | undefined {
  if (!dns) return undefined;
  const out = pickFields(dns, ['nameservers', 'domain', 'search', 'options']);
  return Object.keys(out).length === 0 ? undefined : out;
}
