/**
 * The node lease file: berthd writes it, the overlay CNI plugin reads it (flannel's subnet.env, as
 * JSON; the format is {@link NodeLeaseFile}). One module for both sides, so that berthd never writes a
 * file the plugin would refuse: {@link writeLeaseFile} checks what it writes by the rules the plugin
 * reads with.
 */
import fs from 'node:fs';
import path from 'node:path';
import { formatValue, validateIfName } from '../cni';
import { lastOf, networkOf, parseCidr, type Cidr } from '../ip';
import { makeDirsAsync, readTextIfExists, sweepTempFiles, writeFileDurable } from '../sys';
import type { NodeLeaseFile } from './types';

/**
 * The MTU range of the bridge, veths and container interfaces the plugin makes from the file: 68 is
 * the least an IPv4 interface takes (RFC 791; the kernel refuses an address on a smaller one), 65535
 * the most a veth takes (ETH_MAX_MTU).
 */
export const LEASE_MTU_MIN = 68;
export const LEASE_MTU_MAX = 65535;
/**
 * The least MTU of a dual-stack lease: IPv6 needs 1280 on every link (RFC 8200 §5), and the kernel
 * turns IPv6 off on an interface with less, so the containers' IPv6 addresses would silently go.
 */
export const LEASE_MTU_MIN_IPV6 = 1280;

/** A lease file that cannot be read or is not the lease file of its network; the message says why. */
export class LeaseFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LeaseFileError';
  }
}

/** `<runDir>/overlay/<network>.json`, where berthd writes the node's lease of `network`. */
export function leaseFilePath(runDir: string, network: string): string {
  return path.join(runDir, 'overlay', `${network}.json`);
}

/**
 * The lease file's text, checked; `network` is the network's name, which the file must carry. Keys
 * not in {@link NodeLeaseFile} are dropped (a newer berthd may add some).
 * @throws {LeaseFileError} `not JSON: ...`, or `/<key> must be <rule> (got <value>)` for the first bad key
 */
export function parseLeaseFile(text: string, network: string): NodeLeaseFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new LeaseFileError(`not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new LeaseFileError(`expected a JSON object (got ${formatValue(doc)})`);
  const o = doc as Record<string, unknown>;
  const bad = (key: string, want: string): never => {
    throw new LeaseFileError(`/${key} must be ${want} (got ${formatValue(o[key])})`);
  };
  if (o.name !== network) bad('name', `the network's name ${JSON.stringify(network)}`);
  subnetPair(o, 'network', 'subnet', 4, bad);
  // IPv6 is optional and comes as a pair: a file from before dual-stack has neither key.
  const dual = o.ipv6Network !== undefined || o.ipv6Subnet !== undefined;
  if (dual) subnetPair(o, 'ipv6Network', 'ipv6Subnet', 6, bad);
  if (!Number.isInteger(o.mtu) || (o.mtu as number) < LEASE_MTU_MIN || (o.mtu as number) > LEASE_MTU_MAX) bad('mtu', `an integer from ${LEASE_MTU_MIN} to ${LEASE_MTU_MAX}`);
  if (dual && (o.mtu as number) < LEASE_MTU_MIN_IPV6) bad('mtu', `at least ${LEASE_MTU_MIN_IPV6} on a dual-stack lease (IPv6's minimum link MTU)`);
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
    ...(o.ipv6Network === undefined ? {} : { ipv6Network: o.ipv6Network as string, ipv6Subnet: o.ipv6Subnet as string }),
    ...(o.expiresAt === undefined ? {} : { expiresAt: o.expiresAt as number }),
  };
}

/**
 * Reads the lease file `file` of `network`, or undefined when there is none (ENOENT, or ENOTDIR: no
 * overlay directory either). Synchronous: the plugin is synchronous through and through, and for
 * berthd it is one small read from /run.
 * @throws {LeaseFileError} when it cannot be read (`cannot read it: ...`) or {@link parseLeaseFile} refuses it
 */
export function readLeaseFile(file: string, network: string): NodeLeaseFile | undefined {
  let text: string | undefined;
  try {
    text = readTextIfExists(file);
  } catch (err) {
    throw new LeaseFileError(`cannot read it: ${(err as Error).message}`, { cause: err });
  }
  return text === undefined ? undefined : parseLeaseFile(text, network);
}

/**
 * Puts `lease` at {@link leaseFilePath} (mode 0644: the plugin reads it), whole: a reader sees the old
 * file or the new one. Synced (file and directory): a renewal rewrites it at most every few seconds
 * (a third of a 2 s TTL, the shortest) and by default every 20 minutes, so the two fsyncs cost
 * nothing, and on tmpfs (/run, the default) they are no-ops; but with a --run-dir on disk, a power
 * cut must leave the last whole file, which the plugin attaches containers from until berthd is back,
 * not an empty one it refuses.
 * @throws {LeaseFileError} when `lease` is not a lease file the plugin would read (nothing is written)
 * @throws the error of the write (the temp file is gone)
 */
export async function writeLeaseFile(runDir: string, lease: NodeLeaseFile): Promise<void> {
  const text = `${JSON.stringify(lease, null, 2)}\n`;
  parseLeaseFile(text, lease.name);
  const file = leaseFilePath(runDir, lease.name);
  await makeDirsAsync(path.dirname(file), 0o755);
  // Only berthd writes the file, one write at a time, and it holds its lock on runDir
  // (cmd/berthd/daemon-lock.ts): a temp file beside it is a killed writer's.
  await sweepTempFiles(file);
  await writeFileDurable(file, text, { mode: 0o644 });
}

/** Removes the lease file of `network`; missing is fine. */
export async function removeLeaseFile(runDir: string, network: string): Promise<void> {
  await fs.promises.rm(leaseFilePath(runDir, network), { force: true });
}

/** True when the lease carries an expiry that has passed (berthd stopped renewing it). */
export function leaseExpired(lease: NodeLeaseFile, now: number = Date.now()): boolean {
  return lease.expiresAt !== undefined && lease.expiresAt <= now;
}

/** Checks a cluster CIDR key and the node subnet key that must lie in it, both of `family`. */
function subnetPair(o: Record<string, unknown>, netKey: string, subnetKey: string, family: 4 | 6, bad: (key: string, want: string) => never): void {
  const example = family === 4 ? '"10.244.0.0/16"' : '"fd00:10:244::/48"';
  const cluster = cidrField(o, netKey, family, example, bad);
  const subnet = cidrField(o, subnetKey, family, family === 4 ? '"10.244.3.0/24"' : '"fd00:10:244:3::/64"', bad);
  if (subnet.prefix < cluster.prefix || networkOf(subnet) < networkOf(cluster) || lastOf(subnet) > lastOf(cluster)) {
    bad(subnetKey, `a subnet of /${netKey} ${JSON.stringify(o[netKey])}`);
  }
  if (subnet.ip.value !== networkOf(subnet)) bad(subnetKey, 'a network address (no host bits set)');
  if (lastOf(subnet) - networkOf(subnet) < 3n) bad(subnetKey, 'a subnet with room for a gateway and a container');
}

function cidrField(o: Record<string, unknown>, key: string, family: 4 | 6, example: string, bad: (key: string, want: string) => never): Cidr {
  const cidr = typeof o[key] === 'string' ? parseCidr(o[key] as string) : undefined;
  if (!cidr || cidr.ip.family !== family) return bad(key, `an IPv${family} CIDR such as ${example}`);
  return cidr;
}
