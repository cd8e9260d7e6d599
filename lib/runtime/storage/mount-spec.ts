/**
 * Docker's two mount syntaxes, `-v`/`--volume` and `--mount`, parsed into one MountSpec union.
 * Error texts follow moby's (`volume/mounts/linux_parser.go`) and the docker CLI's (`opts/mount.go`),
 * so scripts that match on them keep working.
 */
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { DOCKER_NAME, NAME_CHARS } from '../../paths';
import { MS_RDONLY } from '../../sys';
import { RuntimeError } from '../errors';
import { parseMountOptions } from './mount-options';

/** Bind propagation modes, as Docker spells them (`bind-propagation=`). */
export const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'] as const;
/** One of Docker's bind propagation modes. */
export type Propagation = (typeof PROPAGATIONS)[number];
/** Docker's default: a bind does not leak mounts in either direction. */
export const DEFAULT_PROPAGATION: Propagation = 'rprivate';

/** A host path bound into the container. */
export interface BindMountSpec {
  readonly type: 'bind';
  readonly source: string;
  readonly target: string;
  readonly readonly: boolean;
  readonly propagation: Propagation;
  /** `-v` creates a missing source as a directory; `--mount` refuses it (Docker's rule). */
  readonly createSource: boolean;
}

/** A named volume, or an anonymous one (`name` undefined: the runtime picks a random name). */
export interface VolumeMountSpec {
  readonly type: 'volume';
  readonly name: string | undefined;
  readonly target: string;
  readonly readonly: boolean;
  /** `volume-nocopy` / `:nocopy`: do not pre-populate an empty volume from the image. */
  readonly noCopy: boolean;
  /** `volume-opt=k=v` pairs for the local driver. */
  readonly options: Readonly<Record<string, string>>;
}

/** A tmpfs in memory. */
export interface TmpfsMountSpec {
  readonly type: 'tmpfs';
  readonly target: string;
  readonly readonly: boolean;
  /** Bytes; undefined means the kernel default (half of RAM), as Docker leaves it. */
  readonly sizeBytes: number | undefined;
  /** Permission bits; undefined means the kernel default 1777. */
  readonly mode: number | undefined;
}

/** Every kind of mount a container can ask for. */
export type MountSpec = BindMountSpec | VolumeMountSpec | TmpfsMountSpec;

/** A mount request Docker would refuse; the message is Docker's. */
export class MountSpecError extends RuntimeError<'invalid'> {
  constructor(message: string) {
    super(message, 'invalid');
    this.name = 'MountSpecError';
  }
}

/** Dependencies of the parsers, injectable so unit tests need no files. */
export interface ParseOptions {
  /** Whether a host path exists (the `--mount` bind source check). */
  readonly pathExists?: (path: string) => boolean;
}

const invalidConfig = (type: string, why: string): MountSpecError =>
  new MountSpecError(`invalid mount config for type "${type}": ${why}`);

const notAbsolute = (path: string): string => `invalid mount path: '${path}' mount path must be absolute`;

/** Docker's local volume name rule; anything else in `-v` is taken for a (relative) host path. */
export const VOLUME_NAME = DOCKER_NAME;

/** Docker's message for a volume name outside {@link VOLUME_NAME} (`-v`, `volume create`). */
export const invalidVolumeName = (name: string): string =>
  `create ${name}: "${name}" includes invalid characters for a local volume name, only "${NAME_CHARS}" are allowed. If you intended to pass a host directory, use absolute path`;

/** `-v` mode words and what they set; `z`/`Z` are SELinux relabel requests, accepted and ignored here. */
interface VolumeMode {
  /** Which kind of word: each kind may appear once. */
  readonly key: 'rw' | 'label' | 'copy' | 'propagation';
  readonly readonly?: boolean;
}
const VOLUME_MODES: ReadonlyMap<string, VolumeMode> = new Map<string, VolumeMode>([
  ['ro', { key: 'rw', readonly: true }],
  ['rw', { key: 'rw', readonly: false }],
  ['z', { key: 'label' }],
  ['Z', { key: 'label' }],
  ['nocopy', { key: 'copy' }],
  ...PROPAGATIONS.map((p) => [p, { key: 'propagation' as const }] as const),
]);

/**
 * Parses `-v` / `--volume`: `/ctr` (anonymous volume), `name:/ctr[:mode]` (named volume),
 * `/host:/ctr[:mode]` (bind, source created if missing). Mode is a comma list of
 * ro|rw, z|Z, nocopy (volumes) and a propagation (binds), each at most once.
 */
export function parseVolumeFlag(spec: string): MountSpec {
  const invalid = (why?: string): MountSpecError =>
    new MountSpecError(`invalid volume specification: '${spec}'${why ? `: ${why}` : ''}`);
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalid();
  const [first, second, mode = ''] = parts as [string, string | undefined, string | undefined];
  if (second === undefined) {
    if (!posix.isAbsolute(first)) throw invalid(invalidConfig('volume', notAbsolute(first)).message);
    return { type: 'volume', name: undefined, target: checkTarget(first, invalid), readonly: false, noCopy: false, options: {} };
  }
  const isBind = posix.isAbsolute(first);
  const seen = new Map<string, string>();
  let readonly = false;
  let propagation: Propagation = DEFAULT_PROPAGATION;
  for (const word of mode === '' ? [] : mode.split(',')) {
    const effect = VOLUME_MODES.get(word);
    // Each kind of word once; propagation only on binds, nocopy only on volumes (moby's ValidMountMode).
    const misplaced = effect?.key === 'propagation' ? !isBind : effect?.key === 'copy' && isBind;
    if (effect === undefined || seen.has(effect.key) || misplaced) throw invalid(`invalid mode: ${mode}`);
    seen.set(effect.key, word);
    if (effect.key === 'rw') readonly = effect.readonly === true;
    if (effect.key === 'propagation') propagation = word as Propagation;
  }
  const target = checkTarget(second, invalid);
  if (isBind) return { type: 'bind', source: cleanPath(first), target, readonly, propagation, createSource: true };
  if (!VOLUME_NAME.test(first)) {
    throw new MountSpecError(invalidVolumeName(first));
  }
  return { type: 'volume', name: first, target, readonly, noCopy: seen.has('copy'), options: {} };
}

function checkTarget(target: string, invalid: (why?: string) => MountSpecError): string {
  if (!posix.isAbsolute(target)) throw invalid(notAbsolute(target));
  const normal = posix.normalize(target);
  // A mount over the container's root would hide the image: moby refuses it outright.
  if (normal === '/') throw new MountSpecError("invalid specification: destination can't be '/'");
  return cleanPath(normal);
}

/** Normalized, without a trailing slash: `/data/` and `/data` are one mount point to Docker. */
function cleanPath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** Raw `--mount` fields after key aliases are folded. */
interface MountFields {
  type: string;
  source?: string;
  target?: string;
  readonly: boolean;
  propagation?: string;
  noCopy: boolean;
  volumeOptions: Record<string, string>;
  driver?: string;
  tmpfsSize?: number;
  tmpfsMode?: number;
}

type FieldSetter = (fields: MountFields, value: string | undefined, field: string) => void;

/** Keys that may stand alone (`readonly`) or take true/false/1/0, as the CLI's ParseBool accepts. */
function bool(value: string | undefined, key: string): boolean {
  const parsed = value === undefined ? true : BOOLEANS.get(value.toLowerCase());
  if (parsed === undefined) throw new MountSpecError(`invalid value for ${key}: ${value}`);
  return parsed;
}
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([['1', true], ['t', true], ['true', true], ['0', false], ['f', false], ['false', false]]);

function required(value: string | undefined, field: string): string {
  if (value === undefined) throw new MountSpecError(`invalid field '${field}' must be a key=value pair`);
  return value;
}

/** Every `--mount` key with its aliases (the CLI's `opts/mount.go` switch, as a table). */
const MOUNT_KEYS: ReadonlyMap<string, FieldSetter> = new Map<string, FieldSetter>([
  ['type', (f, v, field) => { f.type = required(v, field); }],
  ['source', (f, v, field) => { f.source = required(v, field); }],
  ['src', (f, v, field) => { f.source = required(v, field); }],
  ['target', (f, v, field) => { f.target = required(v, field); }],
  ['dst', (f, v, field) => { f.target = required(v, field); }],
  ['destination', (f, v, field) => { f.target = required(v, field); }],
  ['readonly', (f, v) => { f.readonly = bool(v, 'readonly'); }],
  ['ro', (f, v) => { f.readonly = bool(v, 'ro'); }],
  ['bind-propagation', (f, v, field) => { f.propagation = required(v, field); }],
  ['volume-nocopy', (f, v) => { f.noCopy = bool(v, 'volume-nocopy'); }],
  ['volume-driver', (f, v, field) => { f.driver = required(v, field); }],
  ['volume-opt', (f, v, field) => {
    const pair = required(v, field);
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new MountSpecError(`invalid value for volume-opt: ${pair}`);
    f.volumeOptions[pair.slice(0, eq)] = pair.slice(eq + 1);
  }],
  ['tmpfs-size', (f, v, field) => { f.tmpfsSize = parseSize(required(v, field)); }],
  ['tmpfs-mode', (f, v, field) => {
    const text = required(v, field);
    if (!/^[0-7]{1,4}$/.test(text)) throw new MountSpecError(`invalid value for tmpfs-mode: ${text}`);
    f.tmpfsMode = Number.parseInt(text, 8);
  }],
]);

/** Binary unit multipliers, as docker's `units.RAMInBytes` (k = 1024, case-insensitive, optional b/ib). */
const SIZE_UNITS: ReadonlyMap<string, number> = new Map([['', 1], ['k', 2 ** 10], ['m', 2 ** 20], ['g', 2 ** 30], ['t', 2 ** 40]]);

/** `64m`, `1g`, `512k`, `1024` → bytes; Docker's "invalid size" otherwise. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text);
  const unit = match ? SIZE_UNITS.get(match[2]!.toLowerCase()) : undefined;
  if (!match || unit === undefined) throw new MountSpecError(`invalid size: '${text}'`);
  return Math.floor(Number(match[1]) * unit);
}

/**
 * Parses `--mount` CSV (`type=bind,source=/a,target=/b,readonly`). Keys are order-independent; the type
 * defaults to volume, as in the docker CLI. A bind source must exist (`-v` is the lenient syntax).
 */
export function parseMountFlag(csv: string, opts: ParseOptions = {}): MountSpec {
  const fields: MountFields = { type: 'volume', readonly: false, noCopy: false, volumeOptions: {} };
  const seenOptions = new Set<string>();
  for (const field of csv.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const setter = MOUNT_KEYS.get(key);
    if (setter === undefined) throw new MountSpecError(`unexpected key '${key}' in '${field}'`);
    setter(fields, eq < 0 ? undefined : field.slice(eq + 1), field);
    seenOptions.add(key);
  }
  return validateMountFields(fields, seenOptions, opts.pathExists ?? existsSync);
}

/** Which option keys belong to which type; moby names the offending group in its error. */
const OPTION_GROUPS: readonly { keys: readonly string[]; type: string; name: string }[] = [
  { keys: ['bind-propagation'], type: 'bind', name: 'BindOptions' },
  { keys: ['volume-nocopy', 'volume-driver', 'volume-opt'], type: 'volume', name: 'VolumeOptions' },
  { keys: ['tmpfs-size', 'tmpfs-mode'], type: 'tmpfs', name: 'TmpfsOptions' },
];

function validateMountFields(f: MountFields, keys: ReadonlySet<string>, pathExists: (p: string) => boolean): MountSpec {
  const type = f.type;
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw invalidConfig(type, 'mount type unknown');
  for (const group of OPTION_GROUPS) {
    if (group.type !== type && group.keys.some((k) => keys.has(k))) throw invalidConfig(type, `field ${group.name} must not be specified`);
  }
  if (f.target === undefined || f.target === '') throw invalidConfig(type, 'field Target must not be empty');
  if (!posix.isAbsolute(f.target)) throw invalidConfig(type, notAbsolute(f.target));
  const target = checkTarget(f.target, (why) => invalidConfig(type, why ?? ''));
  if (type === 'tmpfs') {
    if (f.source !== undefined) throw invalidConfig(type, 'field Source must not be specified');
    return { type, target, readonly: f.readonly, sizeBytes: f.tmpfsSize, mode: f.tmpfsMode };
  }
  if (type === 'volume') {
    if (f.driver !== undefined && f.driver !== 'local') throw invalidConfig(type, `volume driver not supported: ${f.driver}`);
    const name = f.source === '' ? undefined : f.source;
    if (name !== undefined && !VOLUME_NAME.test(name)) throw invalidConfig(type, `invalid volume name: '${name}'`);
    return { type, name, target, readonly: f.readonly, noCopy: f.noCopy, options: f.volumeOptions };
  }
  if (f.source === undefined || f.source === '') throw invalidConfig(type, 'field Source must not be empty');
  if (!posix.isAbsolute(f.source)) throw invalidConfig(type, notAbsolute(f.source));
  if (!pathExists(f.source)) throw invalidConfig(type, `bind source path does not exist: ${f.source}`);
  const propagation = f.propagation ?? DEFAULT_PROPAGATION;
  if (!(PROPAGATIONS as readonly string[]).includes(propagation)) throw invalidConfig(type, `invalid propagation mode: ${propagation}`);
  return { type, source: cleanPath(f.source), target, readonly: f.readonly, propagation: propagation as Propagation, createSource: false };
}

/** `--tmpfs /path[:opts]`: the short tmpfs form; opts are mount(8) words (`size=64m,mode=1770,ro`). */
export function parseTmpfsFlag(spec: string): TmpfsMountSpec {
  const colon = spec.indexOf(':');
  const path = colon < 0 ? spec : spec.slice(0, colon);
  const options = parseMountOptions(colon < 0 ? [] : spec.slice(colon + 1).split(','));
  const data = new Map(options.data.map((word) => [word.split('=', 1)[0]!, word.slice(word.indexOf('=') + 1)]));
  const size = data.get('size');
  const mode = data.get('mode');
  if (!posix.isAbsolute(path)) throw invalidConfig('tmpfs', notAbsolute(path));
  return {
    type: 'tmpfs',
    target: checkTarget(path, (why) => invalidConfig('tmpfs', why ?? '')),
    readonly: (options.flags & MS_RDONLY) !== 0,
    sizeBytes: size === undefined ? undefined : parseSize(size),
    mode: mode === undefined ? undefined : Number.parseInt(mode, 8),
  };
}

/** Refuses two mounts on one container path, as the daemon does ("Duplicate mount point"). */
export function checkDuplicateTargets(specs: readonly MountSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.target)) throw new MountSpecError(`Duplicate mount point: ${spec.target}`);
    seen.add(spec.target);
  }
}
