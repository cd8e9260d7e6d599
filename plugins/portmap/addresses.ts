/** The container addresses a chained portmap maps ports to, taken from the previous plugin's result. */
import type { Result } from '../../lib/cni';
import { parseCidr, type Cidr } from '../../lib/ip';

/**
 * The first IPv4 and the first IPv6 address of prevResult that belong to the container's CNI_IFNAME,
 * as the reference picks them: an address without an interface index counts, as does one whose index
 * is out of range; one on another interface, or on a host-side one (no sandbox), does not.
 */
export function containerAddresses(prev: Result, ifName: string): Cidr[] {
  const picked = new Map<number, Cidr>();
  for (const ip of prev.ips ?? []) {
    const iface = ip.interface === undefined ? undefined : prev.interfaces?.[ip.interface];
    if (iface !== undefined && (iface.name !== ifName || !iface.sandbox)) continue;
    const cidr = parseCidr(ip.address);
    if (cidr && !picked.has(cidr.ip.family)) picked.set(cidr.ip.family, cidr);
  }
  return [4, 6].flatMap((f) => (picked.has(f) ? [picked.get(f)!] : []));
}
