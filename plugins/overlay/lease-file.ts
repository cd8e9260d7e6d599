/**
 * Reading the node lease berthd writes for this plugin (lib/overlay NodeLeaseFile, flannel's
 * subnet.env as JSON). berthd replaces it by rename, so a read sees a whole file or none.
 */
import fs from 'node:fs';
import { formatValue, validateIfName } from '../../lib/cni';
import { lastOf, networkOf, parseCidr, type Cidr } from '../../lib/ip';
import type { NodeLeaseFile } from '../../lib/overlay/types';
import { invalidLease, noLease } from './errors';

/** The lease file's text, checked; `network` is the config's name, which the file must carry. */
export function parseLeaseFile(text: string, file: string, network: string): NodeLeaseFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalidLease(file, `not JSON: ${(err as Error).message}`, err);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidLease(file, `expected a JSON object (got ${formatValue(doc)})`);
  const o = doc as Record<string, unknown>;
  const bad = (key: string, want: string): never => {
    throw invalidLease(file, `/${key} must be ${want} (got ${formatValue(o[key])})`);
  };
  if (o.name !== network) bad('name', `the network's name ${JSON.stringify(network)}`);
  const cluster = cidrField(o, 'network', bad);
  const subnet = cidrField(o, 'subnet', bad);
  if (subnet.ip.family !== cluster.ip.family || subnet.prefix < cluster.prefix || networkOf(subnet) < networkOf(cluster) || lastOf(subnet) > lastOf(cluster)) {
    bad('subnet', `a subnet of /network ${JSON.stringify(o.network)}`);
  }
  if (subnet.ip.value !== networkOf(subnet)) bad('subnet', 'a network address (no host bits set)');
  if (lastOf(subnet) - networkOf(subnet) < 3n) bad('subnet', 'a subnet with room for a gateway and a container');
  if (!Number.isInteger(o.mtu) || (o.mtu as number) < 68 || (o.mtu as number) > 65535) bad('mtu', 'an integer from 68 to 65535');
  if (!Number.isInteger(o.vni) || (o.vni as number) < 1 || (o.vni as number) > 0xffffff) bad('vni', 'an integer from 1 to 16777215');
  if (typeof o.bridge !== 'string') bad('bridge', 'an interface name');
  try {
    validateIfName(o.bridge as string, '/bridge');
  } catch {
    bad('bridge', 'an interface name (1-15 bytes, no "/", ":", whitespace or NUL)');
  }
  if (o.expiresAt !== undefined && (typeof o.expiresAt !== 'number' || !Number.isFinite(o.expiresAt))) bad('expiresAt', 'a time in Unix milliseconds');
  return {
    name: network,
    network: o.network as string,
    subnet: o.subnet as string,
    mtu: o.mtu as number,
    vni: o.vni as number,
    bridge: o.bridge as string,
    ...(o.expiresAt === undefined ? {} : { expiresAt: o.expiresAt as number }),
  };
}

/**
 * Reads the lease file of `network`.
 * @throws {CniError} 11 when it does not exist (berthd has not leased a subnet, or has left the
 *   network), 120 when it cannot be read or is invalid
 */
export function readLeaseFile(file: string, network: string): NodeLeaseFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw noLease(network, file, 'no');
    throw invalidLease(file, `cannot read it: ${(err as Error).message}`, err);
  }
  return parseLeaseFile(text, file, network);
}

/** True when the lease carries an expiry that has passed (berthd stopped renewing it). */
export function leaseExpired(lease: NodeLeaseFile, now: number = Date.now()): boolean {
  return lease.expiresAt !== undefined && lease.expiresAt <= now;
}

function cidrField(o: Record<string, unknown>, key: string, bad: (key: string, want: string) => never): Cidr {
  const cidr = typeof o[key] === 'string' ? parseCidr(o[key] as string) : undefined;
  if (!cidr) return bad(key, 'a CIDR such as "10.244.0.0/16"');
  return cidr;
}
