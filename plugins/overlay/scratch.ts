/**
 * The delegate configs of live attachments, one file each at `<dataDir>/overlay/<containerID>-<ifname>.json`
 * (flannel's scratch net conf): DEL, CHECK and GC use what ADD really did even when the lease file has
 * changed or is gone. Written to a temp name and renamed, so a reader never sees half a file. Only
 * files named like IP addresses are leases to host-local, so they can share a directory with the
 * host-local store of a network called "overlay".
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NetConf } from '../../lib/cni';

/** The directory under dataDir that holds the delegate configs. */
export const SCRATCH_DIR = 'overlay';

/** `<dataDir>/overlay/<containerID>-<ifname>.json` (both names are checked by the dispatcher: no `/`). */
export function scratchPath(dataDir: string, containerID: string, ifName: string): string {
  return path.join(dataDir, SCRATCH_DIR, `${containerID}-${ifName}.json`);
}

/** Writes an attachment's delegate config (replacing an earlier one). */
export function writeScratch(file: string, conf: NetConf): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(conf)}\n`, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The delegate config ADD stored, or undefined when there is none (or it is not a config). */
export function readScratch(file: string): NetConf | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const conf = JSON.parse(text) as NetConf | null;
    return typeof conf === 'object' && conf !== null && typeof conf.name === 'string' ? conf : undefined;
  } catch {
    return undefined; // a torn file cannot exist (rename), so this is not ours: DEL falls back
  }
}

/** Removes an attachment's delegate config; missing is fine. */
export function removeScratch(file: string): void {
  fs.rmSync(file, { force: true });
}

/** One stored delegate config and the attachment its file name stands for. */
export interface ScratchEntry {
  readonly file: string;
  /** `<containerID>-<ifname>`. */
  readonly key: string;
  readonly conf: NetConf;
}

/** The delegate configs of `network` under `dataDir` (GC's view of this node's attachments). */
export function listScratch(dataDir: string, network: string): ScratchEntry[] {
  const dir = path.join(dataDir, SCRATCH_DIR);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ScratchEntry[] = [];
  for (const name of names) {
    if (name.startsWith('.') || !name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    const conf = readScratch(file);
    if (conf?.name === network) out.push({ file, key: name.slice(0, -'.json'.length), conf });
  }
  return out;
}
