import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCidr } from '../../lib/ip';
import type { NodeLeaseFile } from '../../lib/overlay/types';
import { makeDirsAsync } from '../../lib/sys/make-dirs';

/** `<runDir>/overlay/<network>.json`, where the overlay plugin reads the node's lease. */
export function leaseFilePath(runDir: string, network: string): string {
  return join(runDir, 'overlay', `${network}.json`);
}

/** The node's bridge for a network's containers: `berth-ov<vni>`, hex past 7 digits (IFNAMSIZ is 16). */
export function bridgeName(vni: number): string {
  const name = `berth-ov${vni}`;
  return name.length <= 15 ? name : `berth-ov${vni.toString(16)}`;
}

/** Writes the lease file by temp file + rename, so the plugin reads the old file or the new, never half. */
export async function writeLeaseFile(runDir: string, lease: NodeLeaseFile): Promise<void> {
  const path = leaseFilePath(runDir, lease.name);
  await makeDirsAsync(join(runDir, 'overlay'), 0o755);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(lease, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}

/**
 * The lease file of `network`, or undefined when there is none.
 * @throws {Error} naming the file and the bad field, when it is not JSON or not a lease file (berthd
 *   only takes a hint from it, and carries on without)
 */
export async function readLeaseFile(runDir: string, network: string): Promise<NodeLeaseFile | undefined> {
  const path = leaseFilePath(runDir, network);
  try {
    return checkLeaseFile(JSON.parse(await readFile(path, 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`lease file ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Checks a parsed lease file field by field; throws a TypeError naming the first bad one. */
function checkLeaseFile(v: unknown): NodeLeaseFile {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError('not a JSON object');
  const f = v as Partial<Record<string, unknown>>;
  const bad = (field: string, want: string): never => { throw new TypeError(`${field}: ${JSON.stringify(f[field])} is not ${want}`); };
  for (const field of ['name', 'bridge'] as const) if (typeof f[field] !== 'string') bad(field, 'a string');
  for (const field of ['network', 'subnet'] as const) {
    const c = typeof f[field] === 'string' ? parseCidr(f[field]) : undefined;
    if (c === undefined || c.ip.family !== 4) bad(field, 'an IPv4 CIDR');
  }
  for (const field of ['mtu', 'vni'] as const) if (typeof f[field] !== 'number' || !Number.isInteger(f[field]) || f[field] <= 0) bad(field, 'a positive integer');
  if (f.expiresAt !== undefined && (typeof f.expiresAt !== 'number' || !Number.isFinite(f.expiresAt))) bad('expiresAt', 'a time in ms');
  return v as NodeLeaseFile;
}

/** Removes the lease file; missing is fine. */
export async function removeLeaseFile(runDir: string, network: string): Promise<void> {
  await rm(leaseFilePath(runDir, network), { force: true });
}
