/**
 * CHECK's layer-3 part, the reference's `ValidateExpectedInterfaceIPs` and `ValidateExpectedRoute`:
 * prevResult's addresses are on the interface and its routes are in the routing table.
 */
import type { IPConfig, Route as CniRoute } from '../../lib/cni';
import { addrList, routeList, type NetlinkHandle, type Route } from '../../lib/netlink';
import { AF_INET, AF_INET6 } from '../../lib/netlink/nl/constants';
import { formatCidr, formatIP, networkOf, parseCidr, parseIP, type Cidr } from '../../lib/ip';
import { checkFailed } from './errors';

/** Every address of `ips` is on link `index` (`ifName` for messages), with its prefix length. */
export async function checkAddresses(h: NetlinkHandle, index: number, ifName: string, ips: readonly IPConfig[]): Promise<void> {
  if (ips.length === 0) return;
  const have = new Set((await addrList(h, { index })).map((a) => canonical(a.cidr)));
  for (const ip of ips) {
    if (!have.has(canonical(ip.address))) throw checkFailed(`Failed to match addr ${ip.address} on interface ${ifName}`);
  }
}

/**
 * Each prevResult route is in its table (main unless it names one): a default route of its family
 * whatever the gateway (a later chained plugin may have changed it; the reference matches defaults by
 * destination only), any other route by destination and, when given, gateway.
 */
export async function checkRoutes(h: NetlinkHandle, routes: readonly CniRoute[]): Promise<void> {
  const cache = new Map<string, Route[]>();
  const list = async (family: 4 | 6, table: number | undefined): Promise<Route[]> => {
    const key = `${family}/${table ?? 'main'}`;
    let got = cache.get(key);
    if (!got) {
      got = await routeList(h, { family: family === 4 ? AF_INET : AF_INET6, ...(table === undefined ? {} : { table }) });
      cache.set(key, got);
    }
    return got;
  };
  for (const r of routes) {
    const dst = parseCidr(r.dst);
    if (!dst) throw checkFailed(`Invalid static route found ${JSON.stringify(r)}`);
    const want = subnetOf(dst);
    const gw = r.gw === undefined ? undefined : parseIP(r.gw);
    const found = (await list(dst.ip.family, r.table)).some((k) => {
      if (!sameDst(k.dst, want)) return false;
      return dst.prefix === 0 || gw === undefined || (k.gw !== undefined && parseIP(k.gw)?.value === gw.value);
    });
    if (!found) throw checkFailed(`Expected Route ${JSON.stringify(r)} not found in routing table`);
  }
}

function canonical(cidr: string): string {
  const c = parseCidr(cidr);
  return c ? formatCidr(c) : cidr;
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
