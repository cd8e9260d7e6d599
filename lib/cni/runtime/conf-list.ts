/**
 * Network configuration lists (`.conflist`), read as libcni's `NetworkConfFromBytes` reads them, and
 * single-plugin `.conf` files up-converted as its `ConfListFromConf` does.
 * @see https://github.com/containernetworking/cni/blob/main/SPEC.md#section-1-network-configuration-format
 */
import fs from 'node:fs';
import path from 'node:path';
import { CNI_NAME } from '../../paths';
import { ALL_SPEC_VERSIONS, CURRENT_VERSION, DEFAULT_CONFIG_VERSION, compareVersions, parseVersion } from '../version';
import { CniRuntimeError } from './errors';

/** A parsed configuration list, ready for CniRuntime. */
export interface NetworkConfigList {
  /** The version in use: the highest of `cniVersion` and `cniVersions` this runtime speaks. */
  cniVersion: string;
  name: string;
  disableCheck: boolean;
  disableGC: boolean;
  /** Plugin objects in chain order, each with at least a string `type`. */
  plugins: Record<string, unknown>[];
  /** The bytes the list was read from (the result cache stores them, base64). */
  bytes: Buffer;
}

type Json = Record<string, unknown>;

/**
 * Parses a configuration list. A JSON object with no `plugins` but a top-level `type` is a single-plugin
 * `.conf` and becomes a one-plugin list (`bytes` are then the list libcni would write for it).
 *
 * Beyond libcni we reject, up front and naming the field, what every plugin would reject later: an
 * unknown `cniVersion`, a network name outside `^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`, a `type` that is a path.
 * A missing `cniVersion` means 0.1.0, as plugins decode it.
 * @param source named in error messages (a file path, or "network x")
 * @throws {CniRuntimeError} for anything that is not a usable list
 */
export function parseConfList(bytes: Buffer | string, source = 'network configuration'): NetworkConfigList {
  const { loadOnlyInlinedPlugins: _inlinedOnly, ...list } = parseList(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8'), source, false);
  return list;
}

/**
 * Reads and parses a `.conflist` (or `.conf`) file. As libcni's `NetworkConfFromFile`, unless
 * `loadOnlyInlinedPlugins` is true the plugin objects in `<dir>/<network name>/*.conf` (sorted) are
 * appended to the list (which may then have no inline `plugins` at all); `bytes` stay the file's own.
 * @throws {CniRuntimeError} naming the file
 */
export function loadConfListFile(file: string): NetworkConfigList {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new CniRuntimeError(`error reading ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { source: file, cause: e });
  }
  const list = parseList(bytes, file, true);
  if (!list.loadOnlyInlinedPlugins) {
    for (const f of pluginFiles(path.join(path.dirname(file), list.name))) {
      let raw: unknown;
      try {
        raw = JSON.parse(fs.readFileSync(f, 'utf8'));
      } catch (e) {
        throw new CniRuntimeError(`${f}: error parsing plugin configuration: ${(e as Error).message}`, { source: f, cause: e });
      }
      list.plugins.push(readPlugin(raw, f, (msg) => {
        throw new CniRuntimeError(msg, { source: f });
      }));
    }
  }
  if (list.plugins.length === 0) throw new CniRuntimeError(`${file}: no plugin configs found (no "plugins" and no ${path.join(path.dirname(file), list.name)}/*.conf)`, { source: file });
  const { loadOnlyInlinedPlugins: _l, ...rest } = list;
  return rest;
}

function parseList(buf: Buffer, source: string, fromFile: boolean): NetworkConfigList & { loadOnlyInlinedPlugins: boolean } {
  const fail = (msg: string): never => {
    throw new CniRuntimeError(`${source}: ${msg}`, { source });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    return fail(`invalid JSON: ${(e as Error).message}`);
  }
  if (!isObject(raw)) return fail(`must be a JSON object, got ${kindOf(raw)}`);
  if (raw.plugins === undefined && raw.type !== undefined) {
    // ConfListFromConf: the conf becomes the list's only plugin, name and version lifted from it.
    readName(raw, fail);
    const wrapped = { cniVersion: raw.cniVersion ?? '', name: raw.name, plugins: [raw] };
    return parseList(Buffer.from(JSON.stringify(wrapped)), source, false);
  }

  const list = {
    cniVersion: readVersion(raw, fail),
    name: readName(raw, fail),
    disableCheck: readBool(raw, 'disableCheck', fail),
    disableGC: readBool(raw, 'disableGC', fail),
    loadOnlyInlinedPlugins: readBool(raw, 'loadOnlyInlinedPlugins', fail),
    plugins: [] as Json[],
    bytes: buf,
  };
  if (raw.plugins === undefined) {
    // From a file, plugins may come from <dir>/<name>/*.conf instead (loadConfListFile checks).
    if (fromFile && !list.loadOnlyInlinedPlugins) return list;
    return fail('missing "plugins" (a list needs at least one plugin object)');
  }
  if (!Array.isArray(raw.plugins)) return fail(`"plugins" must be an array, got ${kindOf(raw.plugins)}`);
  if (raw.plugins.length === 0) return fail('no plugins in list: "plugins" is empty');
  raw.plugins.forEach((p: unknown, i: number) => list.plugins.push(readPlugin(p, `plugins[${i}]`, fail)));
  return list;
}

function pluginFiles(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // libcni's ConfFiles: a missing directory holds no files
  }
  return entries.filter((e) => !e.isDirectory() && path.extname(e.name) === '.conf').map((e) => path.join(dir, e.name)).sort();
}

function readName(raw: Json, fail: (m: string) => never): string {
  if (raw.name === undefined) return fail('missing "name"');
  if (typeof raw.name !== 'string') return fail(`"name" must be a string, got ${kindOf(raw.name)}`);
  if (!CNI_NAME.test(raw.name)) return fail(`invalid network name ${JSON.stringify(raw.name)}: must match ${CNI_NAME.source}`);
  return raw.name;
}

/** The highest of cniVersion ∪ cniVersions not above ours, as libcni picks it. */
function readVersion(raw: Json, fail: (m: string) => never): string {
  const candidates: string[] = [];
  if (raw.cniVersion !== undefined && typeof raw.cniVersion !== 'string') return fail(`"cniVersion" must be a string, got ${kindOf(raw.cniVersion)}`);
  const declared = (raw.cniVersion as string | undefined) ?? '';
  if (declared !== '') candidates.push(checkVersion(declared, '"cniVersion"', fail));
  if (raw.cniVersions !== undefined) {
    if (!Array.isArray(raw.cniVersions)) return fail(`"cniVersions" must be an array of strings, got ${kindOf(raw.cniVersions)}`);
    raw.cniVersions.forEach((v: unknown, i: number) => {
      if (typeof v !== 'string') fail(`"cniVersions"[${i}] must be a string, got ${kindOf(v)}`);
      if (!parseVersion(v as string)) fail(`"cniVersions"[${i}] ${JSON.stringify(v)} is not a version (MAJOR.MINOR.PATCH)`);
      // Versions newer than ours are skipped, not errors: the list offers them to newer runtimes.
      if (compareVersions(v as string, CURRENT_VERSION) <= 0) candidates.push(checkVersion(v as string, `"cniVersions"[${i}]`, fail));
    });
  }
  if (candidates.length === 0) {
    if (raw.cniVersions !== undefined && declared === '') return fail(`"cniVersions" names no version this runtime supports (${ALL_SPEC_VERSIONS.join(', ')})`);
    return DEFAULT_CONFIG_VERSION;
  }
  return candidates.sort(compareVersions).at(-1)!;
}

function checkVersion(v: string, field: string, fail: (m: string) => never): string {
  if (!parseVersion(v)) return fail(`${field} ${JSON.stringify(v)} is not a version (MAJOR.MINOR.PATCH)`);
  if (!ALL_SPEC_VERSIONS.includes(v)) return fail(`${field} ${JSON.stringify(v)} is not a CNI spec version this runtime supports (${ALL_SPEC_VERSIONS.join(', ')})`);
  return v;
}

/** libcni's readBool: a JSON bool, or the strings "true"/"false" in any case. */
function readBool(raw: Json, key: string, fail: (m: string) => never): boolean {
  const v = raw[key];
  if (v === undefined || typeof v === 'boolean') return v === true;
  if (typeof v !== 'string') return fail(`"${key}" must be a boolean, got ${kindOf(v)}`);
  const s = v.toLowerCase();
  if (s === 'true' || s === 'false') return s === 'true';
  return fail(`"${key}" must be true or false, got ${JSON.stringify(v)}`);
}

/** A plugin object; `where` prefixes the message given to `fail`. */
function readPlugin(p: unknown, where: string, fail: (m: string) => never): Json {
  if (!isObject(p)) return fail(`${where} must be an object, got ${kindOf(p)}`);
  if (p.type === undefined || p.type === '') return fail(`${where}: missing "type"`);
  if (typeof p.type !== 'string') return fail(`${where}: "type" must be a string, got ${kindOf(p.type)}`);
  if (/[/\\\0]/.test(p.type) || p.type === '.' || p.type === '..') return fail(`${where}: invalid "type" ${JSON.stringify(p.type)}: a plugin type is a file name, not a path`);
  if (p.capabilities !== undefined && !isObject(p.capabilities)) return fail(`${where}: "capabilities" must be an object, got ${kindOf(p.capabilities)}`);
  return p;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
