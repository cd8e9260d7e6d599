/** CHECK's routing part: the reference's `ValidateExpectedInterfaceIPs` routes and `ValidateExpectedRoute`. */
import type { IPConfig, Route as CniRoute } from '../../lib/cni';
import { routeList, type NetlinkHandle, type Route } from '../../lib/netlink';
import { AF_INET, AF_INET6 } from '../../lib/netlink/nl/constants';
import { formatIP, networkOf, parseCidr, parseIP, type Cidr } from '../../lib/ip';
import { checkFailed } from './errors';

/**
 * Each address's subnet has a route (the kernel's connected route), and each prevResult route is in
 * its table: a default route of the family whatever its gateway (the reference matches default routes
 * by destination only), any other by destination and, when given, gateway.
 */
export async function checkRoutes(h: NetlinkHandle, ips: readonly IPConfig[], routes: readonly CniRoute[]): Promise<void> {
  const tables = new Map<string, Route[]>();
  const list = async (family: 4 | 6, table: number | undefined): Promise<Route[]> => {
    const key = `${family}/${table ?? 'main'}`;
    let got = tables.get(key);
    if (!got) tables.set(key, (got = await routeList(h, { family: family === 4 ? AF_INET : AF_INET6, ...(table !== undefined ? { table } : {}) })));
    return got;
  };
  for (const ip of ips) {
    const c = parseCidr(ip.address);
    if (!c) continue;
    const prefix = subnetOf(c);
    if (!(await list(c.ip.family, undefined)).some((r) => sameDst(r.dst, prefix))) {
      throw checkFailed(`Failed to find Gateway ${ip.gateway ?? '<nil>'} for interface: no route to ${prefix}`);
    }
  }
  for (const r of routes) {
    const dst = parseCidr(r.dst);
    if (!dst) throw checkFailed(`Invalid static route found ${JSON.stringify(r)}`);
    const isDefault = dst.prefix === 0;
    const gw = r.gw === undefined ? undefined : parseIP(r.gw);
    const found = (await list(dst.ip.family, r.table)).some((k) =>
      isDefault ? k.dst === 'default' || sameDst(k.dst, subnetOf(dst))
        : sameDst(k.dst, subnetOf(dst)) && (gw === undefined || (k.gw !== undefined && parseIP(k.gw)?.value === gw.value)));
    if (!found) throw checkFailed(`Expected Route ${JSON.stringify(r)} not found in routing table`);
  }
}

function subnetOf(c: Cidr): string {
  return `${formatIP({ family: c.ip.family, value: networkOf(c) })}/${c.prefix}`;
}

function sameDst(kernel: string, want: string): boolean {
  if (kernel === 'default') return want.endsWith('/0');
  const k = parseCidr(kernel.includes('/') ? kernel : `${kernel}/${kernel.includes(':') ? 128 : 32}`);
  return k !== undefined && subnetOf(k) === want;
}
