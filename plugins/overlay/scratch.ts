/**
 * The delegate configs of live attachments (flannel's scratch net conf), one file each at
 * `<dataDir>/.overlay-scratch/<network>:<containerID>-<ifname>.json` (`:` is in no network name,
 * container ID or interface name, so the name is unambiguous; one flat directory, as a host-local store
 * is, for the tools that walk dataDir): DEL, CHECK and GC use what ADD
 * really did even when the lease file has changed or is gone. Written to a temp name and then linked
 * into place (lib/sys/durable-file), so a reader never sees half a file and two ADDs of one
 * attachment cannot both win. The temp file of a plugin killed before its link is left (no lock
 * covers the directory, so none can be swept safely); listings skip it, as its name starts with a dot.
 *
 * The directory starts with a dot, which no CNI network name can, so it never collides with the
 * host-local store of a network (`<dataDir>/<network>/`): the old location, `<dataDir>/overlay/`, was
 * the store of a network named "overlay", and removing that network removed the configs. Files at the
 * old location (written by an earlier version) are still read by DEL, CHECK and GC, and removed by DEL.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NetConf } from '../../lib/cni';
import { makeDirs, readTextIfExists, writeFileDurableSync } from '../../lib/sys';

/** The directory under dataDir that holds the delegate configs. */
export const SCRATCH_DIR = '.overlay-scratch';

/** Where versions before `.overlay-scratch` kept them: `<dataDir>/overlay/<containerID>-<ifname>.json`. */
export const LEGACY_SCRATCH_DIR = 'overlay';

/**
 * `<dataDir>/.overlay-scratch/<network>:<containerID>-<ifname>.json` (the dispatcher and the config
 * check every name: none holds a `/` or a `:`).
 */
export function scratchPath(dataDir: string, network: string, containerID: string, ifName: string): string {
  return path.join(dataDir, SCRATCH_DIR, `${network}:${containerID}-${ifName}.json`);
}

/** The old location of an attachment's config, `<dataDir>/overlay/<containerID>-<ifname>.json`. */
export function legacyScratchPath(dataDir: string, containerID: string, ifName: string): string {
  return path.join(dataDir, LEGACY_SCRATCH_DIR, `${containerID}-${ifName}.json`);
}

/**
 * Writes an attachment's delegate config.
 * @param exclusive when true, fails with EEXIST if the file exists (ADD: the attachment is live);
 *   else replaces it
 */
export function writeScratch(file: string, conf: NetConf, exclusive = false): void {
  makeDirs(path.dirname(file), 0o755);
  // Exclusive is link(2), which refuses an existing target atomically: of two racing ADDs exactly one
  // stores its config. Not fsynced, as the host-local leases it records are not (lib/ipam's disk
  // store): a power cut ends the attachment anyway, and an fsync would cost every ADD milliseconds.
  writeFileDurableSync(file, `${JSON.stringify(conf)}\n`, { mode: 0o600, exclusive, sync: false });
}

/** The delegate config ADD stored, or undefined when there is none (or it is not a config). */
export function readScratch(file: string): NetConf | undefined {
  // ENOTDIR is none too: a file where a directory of the path belongs holds no config (ADD reports the path).
  const text = readTextIfExists(file);
  if (text === undefined) return undefined;
  try {
    const conf = JSON.parse(text) as NetConf | null;
    return typeof conf === 'object' && conf !== null && typeof conf.name === 'string' ? conf : undefined;
  } catch {
    return undefined; // a torn file cannot exist (rename), so this is not ours: DEL falls back
  }
}

/** One attachment's stored config, wherever it is: the file, and the config (undefined when none). */
export interface StoredAttachment {
  /** The file that holds it (the current location when there is none). */
  readonly file: string;
  readonly conf: NetConf | undefined;
}

/**
 * The config ADD stored for (network, containerID, ifName): at the current location, else at the old
 * one when that file is this network's (the old name lacked the network, so it is checked inside).
 */
export function findScratch(dataDir: string, network: string, containerID: string, ifName: string): StoredAttachment {
  const file = scratchPath(dataDir, network, containerID, ifName);
  const conf = readScratch(file);
  if (conf !== undefined) return { file, conf };
  const legacy = legacyScratchPath(dataDir, containerID, ifName);
  const old = readScratch(legacy);
  return old?.name === network ? { file: legacy, conf: old } : { file, conf: undefined };
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

/** The delegate configs of `network` under `dataDir`, at both locations (GC's view of this node's attachments). */
export function listScratch(dataDir: string, network: string): ScratchEntry[] {
  return [...listDir(path.join(dataDir, SCRATCH_DIR), network, `${network}:`), ...listDir(path.join(dataDir, LEGACY_SCRATCH_DIR), network, '')];
}

/** The configs of `network` among the `<prefix><key>.json` files of `dir`. */
function listDir(dir: string, network: string, prefix: string): ScratchEntry[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ScratchEntry[] = [];
  // Only `.json` files are configs: the old directory may be a host-local store (files named by IP).
  for (const name of names.sort()) {
    if (name.startsWith('.') || !name.startsWith(prefix) || !name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    const conf = readScratch(file);
    if (conf?.name === network) out.push({ file, key: name.slice(prefix.length, -'.json'.length), conf });
  }
  return out;
}
