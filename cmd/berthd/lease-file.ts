import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeLeaseFile } from '../../lib/overlay/types';

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
  await mkdir(join(runDir, 'overlay'), { recursive: true, mode: 0o755 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(lease, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}

/** The lease file of `network`, or undefined when there is none. */
export async function readLeaseFile(runDir: string, network: string): Promise<NodeLeaseFile | undefined> {
  try {
    return JSON.parse(await readFile(leaseFilePath(runDir, network), 'utf8')) as NodeLeaseFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`lease file ${leaseFilePath(runDir, network)}: ${(err as Error).message}`, { cause: err });
  }
}

/** Removes the lease file; missing is fine. */
export async function removeLeaseFile(runDir: string, network: string): Promise<void> {
  await rm(leaseFilePath(runDir, network), { force: true });
}
