/**
 * libcni's result cache: `<cacheDir>/results/<network>-<containerID>-<ifname>`, one JSON file per
 * attachment written after a successful ADD and removed after a successful DEL. The format is
 * libcni's `cachedInfo` (kind `cniCacheV1`, config as base64), so containerd, podman, cnitool and berth
 * can DEL and GC each other's attachments.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { convertResult } from '../result-convert';
import { parseResult } from '../result-parse';
import type { Result } from '../types';
import { CURRENT_VERSION, DEFAULT_CONFIG_VERSION } from '../version';
import { CniRuntimeError } from './errors';
import { marshalStructGo } from './go-json';
import { makeDirsAsync, writeFileDurable } from '../../sys';

/** The `kind` of libcni's current cache format. */
export const CNI_CACHE_V1 = 'cniCacheV1';

/** One cached attachment: what its ADD was given, and what the chain returned. */
export interface CachedAttachment {
  containerId: string;
  ifName: string;
  networkName: string;
  netns: string;
  cniArgs?: [string, string][];
  capabilityArgs?: Record<string, unknown>;
  /** The configuration list's bytes as ADD used them. */
  config: Buffer;
  /** The final ADD result in the current shape (absent when the file holds none we can read). */
  result?: Result;
}

/**
 * The cache file's bytes, exactly as libcni's `cacheAdd` marshals them: struct fields in declaration
 * order, empty netns/cniArgs/capabilityArgs/result omitted, map-typed fields with sorted keys. The
 * result is written in `cniVersion` (the list's), the version libcni would have received it in.
 */
export function encodeCacheFile(att: CachedAttachment, cniVersion: string): string {
  const file: Record<string, unknown> = {
    kind: CNI_CACHE_V1,
    containerId: att.containerId,
    config: att.config.toString('base64'),
    ifName: att.ifName,
    networkName: att.networkName,
  };
  if (att.netns !== '') file.netns = att.netns;
  if (att.cniArgs && att.cniArgs.length > 0) file.cniArgs = att.cniArgs;
  if (att.capabilityArgs && Object.keys(att.capabilityArgs).length > 0) file.capabilityArgs = att.capabilityArgs;
  if (att.result) file.result = convertResult(att.result, cniVersion);
  return marshalStructGo(file, ['capabilityArgs', 'result']);
}

/**
 * Reads a cache file. A file in the pre-`cniCacheV1` format (a bare result) is accepted as libcni's
 * `getLegacyCachedResult` accepts it, with the attachment identity taken from `expected`. With
 * `dropBadResult`, an entry whose result cannot be read comes back without one (GC must still be able
 * to DEL it).
 * @throws {CniRuntimeError} for a file that is neither
 */
export function decodeCacheFile(
  text: string,
  expected?: { networkName: string; containerId: string; ifName: string },
  opts: { dropBadResult?: boolean } = {},
): CachedAttachment {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
  } catch (e) {
    throw new CniRuntimeError(`cannot decode cached result: ${(e as Error).message}`, { cause: e });
  }
  if (raw.kind !== CNI_CACHE_V1) {
    if (!expected || raw.kind !== undefined) throw new CniRuntimeError(`cached result has wrong kind: ${JSON.stringify(raw.kind)}`);
    return { ...expected, netns: '', config: Buffer.alloc(0), result: readResult(raw, CURRENT_VERSION) };
  }
  const str = (k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
  const config = Buffer.from(str('config'), 'base64');
  const att: CachedAttachment = { containerId: str('containerId'), ifName: str('ifName'), networkName: str('networkName'), netns: str('netns'), config };
  if (Array.isArray(raw.cniArgs)) att.cniArgs = raw.cniArgs.filter(isPair).map(([k, v]) => [k, v]);
  if (isObject(raw.capabilityArgs)) att.capabilityArgs = raw.capabilityArgs;
  if (raw.result !== undefined && raw.result !== null) {
    try {
      att.result = readResult(raw.result, configVersion(config));
    } catch (err) {
      if (!opts.dropBadResult) throw err;
    }
  }
  return att;
}

/**
 * The cache directory of one runtime. Files are written by lib/sys/durable-file (temp file, fsync,
 * rename), whose temp names start with a dot: listings (ours and libcni's, which skips undecodable
 * files) never take one for an entry. The cache has no lock of its own (other runtimes share the
 * directory), so the temp file of a write killed before its rename is swept by berth's container
 * reconcile, under that container's lock.
 */
export class ResultCache {
  /** `<cacheDir>/results`. */
  readonly dir: string;

  constructor(cacheDir: string) {
    this.dir = path.join(cacheDir, 'results');
  }

  /** The file of one attachment (the names were validated by the caller: no `/` can appear). */
  file(networkName: string, containerId: string, ifName: string): string {
    return path.join(this.dir, `${networkName}-${containerId}-${ifName}`);
  }

  /** Writes the attachment's file: directory 0700, file 0600, as libcni. */
  async write(att: CachedAttachment, cniVersion: string): Promise<void> {
    const target = this.file(att.networkName, att.containerId, att.ifName);
    await makeDirsAsync(this.dir, 0o700);
    await writeFileDurable(target, encodeCacheFile(att, cniVersion), { mode: 0o600 });
  }

  /**
   * The attachment's cached entry; undefined when there is no file (or it cannot be read, as libcni
   * ignores read errors).
   * @throws {CniRuntimeError} when the file exists but cannot be decoded
   */
  async read(networkName: string, containerId: string, ifName: string): Promise<CachedAttachment | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.file(networkName, containerId, ifName), 'utf8');
    } catch {
      return undefined;
    }
    return decodeCacheFile(text, { networkName, containerId, ifName });
  }

  /** Removes the attachment's file; a missing one is not an error. */
  async remove(networkName: string, containerId: string, ifName: string): Promise<void> {
    await fs.rm(this.file(networkName, containerId, ifName), { force: true });
  }

  /**
   * Every decodable `cniCacheV1` entry, by file name, optionally of one network. As libcni's
   * `GetCachedAttachments`, undecodable files and entries without ifName or network are skipped; an
   * entry whose result cannot be read is kept without it.
   */
  async list(networkName?: string): Promise<CachedAttachment[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: CachedAttachment[] = [];
    for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
      let att: CachedAttachment;
      try {
        att = decodeCacheFile(await fs.readFile(path.join(this.dir, name), 'utf8'), undefined, { dropBadResult: true });
      } catch {
        continue;
      }
      if (att.ifName === '' || att.networkName === '') continue;
      if (networkName !== undefined && att.networkName !== networkName) continue;
      out.push(att);
    }
    return out;
  }
}

function readResult(raw: unknown, defaultVersion: string): Result {
  return parseResult(raw, defaultVersion, { prefix: 'invalid cached result' });
}

/** The version of the cached list, which is the version an unlabelled cached result is in. */
function configVersion(config: Buffer): string {
  try {
    const v = (JSON.parse(config.toString('utf8')) as { cniVersion?: unknown }).cniVersion;
    return typeof v === 'string' && v !== '' ? v : DEFAULT_CONFIG_VERSION;
  } catch {
    return CURRENT_VERSION;
  }
}

function isPair(v: unknown): v is [string, string] {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
