/**
 * The store's key layout, shared by both stores so a file store and etcd name things alike (flannel's
 * layout, one level down per network):
 *   <prefix>/<network>/config
 *   <prefix>/<network>/subnets/<a.b.c.d>-<len>
 *   <prefix>/<network>/subnets/<ipv6>-<len>     (an IPv6 subnet, in RFC 5952 text: "fd00:10:244:3::-64")
 */
import { formatCidr, networkOf, parseCidr } from '../../ip';
import { CNI_NAME } from '../../paths';

/** The default key prefix in etcd. */
export const DEFAULT_PREFIX = '/berth/overlay';

/**
 * Throws unless `network` is a usable overlay network name: CNI's rule (lib/paths `CNI_NAME`). It is
 * a path segment of every key, so a `/` would move it into another network's keys.
 */
export function checkNetworkName(network: string): void {
  if (typeof network !== 'string' || !CNI_NAME.test(network)) {
    throw new TypeError(`overlay network name ${JSON.stringify(network)} is invalid: letters, digits, '_', '.' and '-', starting with a letter or digit`);
  }
}

/**
 * Parses a lease's subnet and returns its canonical text ("10.244.3.0/24", "fd00:10:244:3::/64").
 * Throws for anything that is not a network address with a prefix: every subnet names a key, and two
 * spellings of one subnet ("fd00:0:0::/64", "FD00::/64") would be two keys.
 */
export function canonicalSubnet(subnet: string): string {
  const c = typeof subnet === 'string' ? parseCidr(subnet) : undefined;
  if (c === undefined) throw new TypeError(`subnet ${JSON.stringify(subnet)} is not a CIDR`);
  if (networkOf(c) !== c.ip.value) throw new TypeError(`subnet ${JSON.stringify(subnet)} has host bits set`);
  return formatCidr(c);
}

/** `<prefix>/<network>/config`. */
export function configKey(prefix: string, network: string): string {
  checkNetworkName(network);
  return `${prefix}/${network}/config`;
}

/** `<prefix>/<network>/subnets/`: the watch and list prefix of a network's leases. */
export function subnetsPrefix(prefix: string, network: string): string {
  checkNetworkName(network);
  return `${prefix}/${network}/subnets/`;
}

/** `<prefix>/<network>/subnets/10.244.3.0-24` for "10.244.3.0/24", `…/subnets/fd00::-64` for "fd00::/64". */
export function subnetKey(prefix: string, network: string, subnet: string): string {
  return subnetsPrefix(prefix, network) + canonicalSubnet(subnet).replace('/', '-');
}

/**
 * The subnet a lease key names ("…/subnets/10.244.3.0-24" → "10.244.3.0/24", "…/subnets/fd00::-64" →
 * "fd00::/64"), or undefined for another key, and for a spelling that is not canonical (that key is
 * not one we write, and would be a second key for one subnet).
 */
export function subnetOfKey(key: string): string | undefined {
  const m = /\/subnets\/(\d+\.\d+\.\d+\.\d+|[0-9a-f:]*:[0-9a-f:.]*)-(\d+)$/.exec(key);
  if (m === null) return undefined;
  try {
    const subnet = canonicalSubnet(`${m[1]}/${m[2]}`);
    return subnet.replace('/', '-') === `${m[1]}-${m[2]}` ? subnet : undefined;
  } catch {
    return undefined;
  }
}

/** Strips trailing slashes: "/berth/overlay/" and "/berth/overlay" are one prefix. */
export function normalizePrefix(prefix: string | undefined): string {
  const p = (prefix ?? DEFAULT_PREFIX).replace(/\/+$/, '');
  if (p.includes('\0')) throw new TypeError('etcd prefix must not contain NUL bytes');
  return p;
}
