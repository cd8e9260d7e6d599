/**
 * CHECK's layer-3 part, the reference's `ValidateExpectedInterfaceIPs` and `ValidateExpectedRoute`,
 * shared by the plugins: each function returns what does not match (the reference's wording), or
 * undefined, and the plugin turns a mismatch into its own CHECK error code.
 */
import type { IPConfig, Route as CniRoute } from '../cni';
import { AF_INET, AF_INET6, addrList, routeList, type NetlinkHandle, type Route } from '../netlink';
import { formatCidr, formatIP, networkOf, parseCidr, parseIP, type Cidr } from '../ip';

/** Every address of `ips` is on link `index` (`ifName` for messages), with its prefix length. */
export async function addressMismatch(h: NetlinkHandle, index: number, ifName: string, ips: readonly IPConfig[]): Promise<string | undefined> {
  if (ips.length === 0) return undefined;
  const have = new Set((await addrList(h, { index })).map((a) => canonicalCidr(a.cidr)));
  const missing = ips.find((ip) => !have.has(canonicalCidr(ip.address)));
  return missing && `Failed to match addr ${missing.address} on interface ${ifName}`;
}

/** Each address's subnet has a route (the kernel's connected route) in the main table. */
export async function subnetRouteMismatch(h: NetlinkHandle, ips: readonly IPConfig[]): Promise<string | undefined> {
  const tables = routeTables(h);
  for (const ip of ips) {
    const c = parseCidr(ip.address);
    if (!c) continue;
    const prefix = subnetOf(c);
    if (!(await tables(c.ip.family, undefined)).some((r) => sameDst(r.dst, prefix))) {
      return `Failed to find Gateway ${ip.gateway ?? '<nil>'} for interface: no route to ${prefix}`;
    }
  }
  return undefined;
}

/**
 * Each prevResult route is in its table (main unless it names one): a default route of its family
 * whatever the gateway (a later chained plugin may have changed it; the reference matches defaults by
 * destination only), any other route by destination and, when given, gateway.
 */
export async function routeMismatch(h: NetlinkHandle, routes: readonly CniRoute[]): Promise<string | undefined> {
  const tables = routeTables(h);
  for (const r of routes) {
    const dst = parseCidr(r.dst);
    if (!dst) return `Invalid static route found ${JSON.stringify(r)}`;
    const want = subnetOf(dst);
    const gw = r.gw === undefined ? undefined : parseIP(r.gw);
    const found = (await tables(dst.ip.family, r.table)).some((k) => {
      if (!sameDst(k.dst, want)) return false;
      return dst.prefix === 0 || gw === undefined || (k.gw !== undefined && parseIP(k.gw)?.value === gw.value);
    });
    if (!found) return `Expected Route ${JSON.stringify(r)} not found in routing table`;
  }
  return undefined;
}

/** The canonical text of a CIDR (as the kernel's dump would print it), or the input when unparsable. */
export function canonicalCidr(cidr: string): string {
  const c = parseCidr(cidr);
  return c ? formatCidr(c) : cidr;
}

/** Route dumps per family and table, each asked for once per CHECK. */
function routeTables(h: NetlinkHandle): (family: 4 | 6, table: number | undefined) => Promise<Route[]> {
  const cache = new Map<string, Route[]>();
  return async (family, table) => {
    const key = `${family}/${table ?? 'main'}`;
    let got = cache.get(key);
    if (!got) {
      got = await routeList(h, { family: family === 4 ? AF_INET : AF_INET6, ...(table === undefined ? {} : { table }) });
      cache.set(key, got);
    }
    return got;
  };
}

function subnetOf(c: Cidr): string {
  return `${formatIP({ family: c.ip.family, value: networkOf(c) })}/${c.prefix}`;
}

/** The kernel writes `default` for /0 and a bare address for a host route. */
function sameDst(kernel: string, want: string): boolean {
  if (kernel === 'default') return want.endsWith('/0');
  const k = parseCidr(kernel.includes('/') ? kernel : `${kernel}/${kernel.includes(':') ? 128 : 32}`);
  return k !== undefined && subnetOf(k) === want;
}
