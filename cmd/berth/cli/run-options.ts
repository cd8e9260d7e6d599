/**
 * `berth run` flags turned into what the container lifecycle needs: image and command, env, mounts,
 * network mode, resources (validated as Docker's daemon does) and user-namespace maps. Every error
 * names its flag, uses Docker's text where Docker has one, and exits 125.
 */
import { isIP } from 'node:net';
import { ResourceError, cpusToQuota, validateResources, type Resources, type ThrottleDevice } from '../../../lib/runtime/cgroups';
import { DOCKER_NAME as CONTAINER_NAME, NAME_CHARS } from '../../../lib/paths';
import { type IdMap, type NetworkMode, type RestartPolicy, ContainerError, mapProblem, parseRestartPolicy } from '../../../lib/runtime/container';
import { type MountSpec, checkDuplicateTargets, parseMountFlag, parseTmpfsFlag, parseVolumeFlag } from '../../../lib/runtime/storage/mount-spec';
import { type FlagSpec, type ParsedArgs, invalidArgument, parseArgs } from './args';
import { EnvOptionError, parseEnvFile, readEnvFile, resolveEnvEntry } from './env-options';
import { CliError, DaemonError } from './errors';
import { EXIT_BERTH_ERROR } from './exit-codes';
import { ramInBytes } from './ram-in-bytes';
import { RUN_FLAGS, RUN_SPEC } from './run-flags';
import { type DeviceStat, ThrottleDeviceError, parseThrottleDevice } from './throttle-device';
import { parseIdMap, parseNetworkMode, checkIdMaps } from './run-values';
import { type ExposedPort, type PortBinding, PortSpecError, parseExpose, parsePublish } from '../../../lib/runtime/network';
import { type DnsOptions, dnsOptionsFrom, validateExtraHost } from './dns-flags';

/** What `berth run` asked for. */
export interface RunOptions {
  readonly image: string;
  /** The command after IMAGE; empty means the image's default. */
  readonly command: string[];
  readonly detach: boolean;
  readonly autoRemove: boolean;
  /** `--restart`; "no" unless given. */
  readonly restartPolicy: RestartPolicy;
  readonly name?: string;
  /** `--env-file` entries, then `-e` entries (later wins); the image's env is not merged here. */
  readonly env: string[];
  readonly workingDir?: string;
  /** `--user`; the image's USER when absent. */
  readonly user?: string;
  readonly hostname?: string;
  readonly network: NetworkMode;
  readonly mounts: MountSpec[];
  readonly resources: Resources;
  readonly userns?: { uidMap: IdMap[]; gidMap: IdMap[] };
  /** `--ip` / `--ip6`. */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** `-p`: one binding per container port. */
  readonly ports: PortBinding[];
  /** `--expose`. */
  readonly exposedPorts: ExposedPort[];
  /** `-P`: publish every exposed port (also the image's) on an ephemeral host port. */
  readonly publishAll: boolean;
  /** `--dns`, `--dns-search`, `--dns-option`; absent when none was given. */
  readonly dns?: DnsOptions;
  /** `--add-host`, as given (validated). */
  readonly extraHosts?: string[];
  /** `--network-alias`. */
  readonly networkAliases?: string[];
}

/** The caller's side of the parse, injectable for tests. */
export interface RunOptionsDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** stat(2) for `--device-*-bps` paths. */
  readonly statDevice?: (path: string) => DeviceStat;
  /** Reads an `--env-file`. */
  readonly readFile?: (path: string) => string;
  /** Whether a `--mount type=bind` source exists. */
  readonly pathExists?: (path: string) => boolean;
}

/** Parses `berth run` argv (the words after `run`). @throws UsageError | CliError (exit 125). */
export function parseRunOptions(argv: readonly string[], deps: RunOptionsDeps): RunOptions {
  return runOptionsFromArgs(parseArgs(RUN_SPEC, argv), deps);
}

const flag = (name: string): FlagSpec => RUN_FLAGS.find((f) => f.name === name)!;

/** Runs `parse` on a flag's value, turning its error into pflag's "invalid argument" text. */
function value<T>(command: string, name: string, text: string, parse: (t: string) => T): T {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof CliError) throw err;
    if (err instanceof ResourceError) throw new CliError(err.message, { seeHelp: true });
    throw invalidArgument(command, flag(name), text, (err as Error).message);
  }
}

function parseInteger(text: string, unsigned: boolean, bits: number): number {
  const fn = unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
  if (!(unsigned ? /^\d+$/ : /^[+-]?\d+$/).test(text)) throw new Error(`${fn}: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = BigInt(text);
  const max = unsigned ? 2n ** BigInt(bits) - 1n : 2n ** BigInt(bits - 1) - 1n;
  if (n > max || n < -max - 1n) throw new Error(`${fn}: parsing ${JSON.stringify(text)}: value out of range`);
  return Number(n);
}

/** `--cpus` as the CLI's NanoCPUs: a decimal with at most 9 fractional digits. */
function parseCpus(text: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) throw new Error(`failed to parse ${text} as a rational number`);
  if ((text.split('.')[1] ?? '').length > 9) throw new Error('value is too precise');
  return Number(text);
}

/** Resources from the flags; Docker's CLI treats 0 as "not set" for every numeric limit. */
function resourcesFrom(args: ParsedArgs, deps: RunOptionsDeps): Resources {
  const cmd = 'run';
  const r: Resources = {};
  const get = (name: string): string | undefined => args.string(name);
  const memory = get('memory');
  if (memory !== undefined && memory !== '') {
    const bytes = value(cmd, 'memory', memory, ramInBytes);
    if (bytes !== 0) r.memory = bytes;
  }
  const swap = get('memory-swap');
  if (swap !== undefined && swap !== '') {
    const bytes = swap === '-1' ? -1 : value(cmd, 'memory-swap', swap, ramInBytes);
    if (bytes !== 0) r.memorySwap = bytes;
  }
  const cpus = get('cpus');
  if (cpus !== undefined) {
    const n = value(cmd, 'cpus', cpus, parseCpus);
    if (n !== 0) r.cpus = value(cmd, 'cpus', cpus, () => cpusToQuota(n));
  }
  const shares = get('cpu-shares');
  if (shares !== undefined) {
    const n = value(cmd, 'cpu-shares', shares, (t) => parseInteger(t, false, 64));
    if (n !== 0) r.cpuShares = n;
  }
  if (get('cpuset-cpus') !== undefined && get('cpuset-cpus') !== '') r.cpusetCpus = get('cpuset-cpus')!;
  if (get('cpuset-mems') !== undefined && get('cpuset-mems') !== '') r.cpusetMems = get('cpuset-mems')!;
  const pids = get('pids-limit');
  if (pids !== undefined) {
    const n = value(cmd, 'pids-limit', pids, (t) => parseInteger(t, false, 64));
    if (n !== 0) r.pidsLimit = n;
  }
  const weight = get('blkio-weight');
  if (weight !== undefined) {
    const n = value(cmd, 'blkio-weight', weight, (t) => parseInteger(t, true, 16));
    if (n !== 0) r.blkioWeight = n;
  }
  for (const [name, key] of [['device-read-bps', 'deviceReadBps'], ['device-write-bps', 'deviceWriteBps']] as const) {
    const devices: ThrottleDevice[] = args.list(name).map((text) => {
      try {
        return parseThrottleDevice(text, deps.statDevice);
      } catch (err) {
        if (!(err instanceof ThrottleDeviceError)) throw err;
        if (err.kind === 'syntax') throw invalidArgument(cmd, flag(name), text, err.message);
        throw new CliError(`invalid --${name}: ${err.message}`, { seeHelp: true });
      }
    });
    if (devices.length > 0) r[key] = devices;
  }
  try {
    validateResources(r);
  } catch (err) {
    if (err instanceof ResourceError) throw new CliError(err.message, { seeHelp: true });
    throw err;
  }
  return r;
}

function envFrom(args: ParsedArgs, deps: RunOptionsDeps): string[] {
  const env: string[] = [];
  for (const file of args.list('env-file')) {
    try {
      env.push(...parseEnvFile(readEnvFile(file, deps.cwd, deps.readFile), deps.env, file));
    } catch (err) {
      if (err instanceof EnvOptionError) throw new CliError(`invalid --env-file: ${err.message}`, { seeHelp: true });
      throw err;
    }
  }
  for (const entry of args.list('env')) {
    const resolved = value('run', 'env', entry, (t) => resolveEnvEntry(t, deps.env));
    if (resolved !== undefined) env.push(resolved);
  }
  return env;
}

function mountsFrom(args: ParsedArgs, deps: RunOptionsDeps): MountSpec[] {
  const mounts = [
    ...args.list('volume').map((v) => value('run', 'volume', v, parseVolumeFlag)),
    ...args.list('mount').map((v) => value('run', 'mount', v, (t) => parseMountFlag(t, deps.pathExists ? { pathExists: deps.pathExists } : {}))),
    ...args.list('tmpfs').map((v) => value('run', 'tmpfs', v, parseTmpfsFlag)),
  ];
  try {
    checkDuplicateTargets(mounts);
  } catch (err) {
    throw new CliError(`invalid --volume/--mount/--tmpfs: ${(err as Error).message}`, { seeHelp: true });
  }
  return mounts;
}

/** A `-p`/`--expose` value; Docker prints the nat package's error as it is. */
function portValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof PortSpecError) throw new CliError(err.message, { seeHelp: true });
    throw err;
  }
}

/** dockerd's userns-remap range when it makes its `dockremap` user: 65536 ids from 100000. */
export const REMAP_RANGE: IdMap = { containerId: 0, hostId: 100000, size: 65536 };

/**
 * `--userns` and the map flags: `host` (or nothing) runs in the host's user namespace; `remap` the
 * default range for uids and gids; `--userns-uidmap`/`--userns-gidmap` their lines (gids default to
 * the uid map). Maps must not overlap and must map root (the init becomes root inside).
 */
function usernsFrom(args: ParsedArgs): { uidMap: IdMap[]; gidMap: IdMap[] } | undefined {
  const mode = args.string('userns');
  if (mode !== undefined && mode !== '' && mode !== 'host' && mode !== 'remap') {
    throw new CliError(`invalid --userns: invalid USER mode "${mode}" (host or remap)`, { seeHelp: true });
  }
  const uidMap = args.list('userns-uidmap').map((v) => value('run', 'userns-uidmap', v, parseIdMap));
  const gidMap = args.list('userns-gidmap').map((v) => value('run', 'userns-gidmap', v, parseIdMap));
  if (gidMap.length > 0 && uidMap.length === 0) throw new CliError('invalid --userns-gidmap: needs --userns-uidmap as well', { seeHelp: true });
  if ((mode === 'host' || mode === 'remap') && uidMap.length > 0) {
    throw new CliError(`conflicting options: --userns=${mode} and --userns-uidmap`, { seeHelp: true });
  }
  if (mode === 'remap') return { uidMap: [REMAP_RANGE], gidMap: [REMAP_RANGE] };
  if (uidMap.length === 0) return undefined;
  for (const [flagName, maps] of [['--userns-uidmap', uidMap], ['--userns-gidmap', gidMap]] as const) {
    checkIdMaps(flagName, maps);
    const problem = maps.length === 0 ? undefined : mapProblem(maps);
    if (problem !== undefined) throw new CliError(`invalid ${flagName}: ${problem}`, { seeHelp: true });
  }
  return { uidMap, gidMap: gidMap.length > 0 ? gidMap : uidMap };
}

/** An RFC 1123 host name of at most 64 bytes (the kernel's UTS limit). */
const HOSTNAME = /^(?=.{1,64}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

function nonEmpty<K extends string>(key: K, list: string[]): Partial<Record<K, string[]>> {
  return list.length === 0 ? {} : ({ [key]: list } as Record<K, string[]>);
}

function dnsPart(args: ParsedArgs): { dns?: DnsOptions } {
  const dns = dnsOptionsFrom(args, (name, text, parse) => value('run', name, text, parse));
  return dns === undefined ? {} : { dns };
}

/** `--restart`, with Docker's texts; refused with `--rm` as the docker CLI does. */
function restartPolicyFrom(args: ParsedArgs): RestartPolicy {
  let policy: RestartPolicy;
  try {
    policy = parseRestartPolicy(args.string('restart') ?? 'no');
  } catch (err) {
    if (!(err instanceof ContainerError)) throw err;
    // The docker CLI refuses a malformed value itself; its daemon refuses an unknown policy or a count.
    if (err.message.startsWith('invalid restart policy format')) throw new CliError(err.message);
    throw new DaemonError(err.message, { exitCode: EXIT_BERTH_ERROR });
  }
  if (policy.name !== 'no' && args.bool('rm')) throw new CliError('Conflicting options: --restart and --rm', { seeHelp: true });
  return policy;
}

/** Builds {@link RunOptions} from already parsed `run` (or `create`) args. */
export function runOptionsFromArgs(args: ParsedArgs, deps: RunOptionsDeps): RunOptions {
  const [image, ...command] = args.positionals;
  if (image === undefined || image === '') throw new CliError('"berth run" requires at least 1 argument.', { seeHelp: true });
  const name = args.string('name');
  if (name !== undefined && name !== '' && !CONTAINER_NAME.test(name)) {
    throw new CliError(`invalid --name: Invalid container name (${name}), only ${NAME_CHARS} are allowed`, { seeHelp: true });
  }
  const workingDir = args.string('workdir');
  if (workingDir !== undefined && workingDir !== '' && !workingDir.startsWith('/')) {
    throw new CliError(`invalid --workdir: the working directory '${workingDir}' is invalid, it needs to be an absolute path`, { seeHelp: true });
  }
  const hostname = args.string('hostname');
  if (hostname !== undefined && hostname !== '' && !HOSTNAME.test(hostname)) {
    throw new CliError(`invalid --hostname: invalid hostname format: ${hostname}`, { seeHelp: true });
  }
  const network = parseNetworkMode(args.string('network') ?? 'bridge');
  // Docker refuses a hostname only when the UTS namespace is another container's; with
  // --network host the container still gets its own UTS namespace, so -h applies.
  if (network.kind === 'container' && hostname !== undefined && hostname !== '') {
    throw new CliError('conflicting options: hostname and the network mode (--hostname with --network container:)', { seeHelp: true });
  }
  const userns = usernsFrom(args);
  const ports = args.list('publish').flatMap((v) => portValue(() => parsePublish(v)));
  const exposedPorts = args.list('expose').flatMap((v) => portValue(() => parseExpose(v)));
  const publishAll = args.bool('publish-all');
  const ipv4 = args.string('ip');
  const ipv6 = args.string('ip6');
  if (ipv4 !== undefined && ipv4 !== '' && isIP(ipv4) !== 4) throw new CliError(`invalid IPv4 address: ${ipv4}`, { seeHelp: true });
  if (ipv6 !== undefined && ipv6 !== '' && isIP(ipv6) !== 6) throw new CliError(`invalid IPv6 address: ${ipv6}`, { seeHelp: true });
  if (network.kind === 'container' && (ports.length > 0 || publishAll)) {
    throw new CliError('conflicting options: port publishing and the container type network mode', { seeHelp: true });
  }
  const restartPolicy = restartPolicyFrom(args);
  const opts: RunOptions = {
    image,
    restartPolicy,
    ports,
    exposedPorts,
    publishAll,
    command,
    detach: args.bool('detach'),
    autoRemove: args.bool('rm'),
    env: envFrom(args, deps),
    network,
    mounts: mountsFrom(args, deps),
    resources: resourcesFrom(args, deps),
    ...(name ? { name } : {}),
    ...(ipv4 ? { ipv4 } : {}),
    ...(ipv6 ? { ipv6 } : {}),
    ...(workingDir ? { workingDir } : {}),
    ...userPart(args),
    ...(hostname ? { hostname } : {}),
    ...dnsPart(args),
    ...nonEmpty('extraHosts', args.list('add-host').map((v) => value('run', 'add-host', v, validateExtraHost))),
    ...nonEmpty('networkAliases', [...args.list('network-alias')]),
    ...(userns === undefined ? {} : { userns }),
  };
  return opts;
}

/** `--user`: checked for what the kernel and passwd lookups cannot take (resolution happens in the container). */
function userPart(args: ParsedArgs): { user?: string } {
  const user = args.string('user');
  if (user === undefined || user === '') return {};
  if (/[\0\n]/.test(user) || user.split(':').length > 2 || user.startsWith(':')) {
    throw new CliError(`invalid --user ${JSON.stringify(user)}: want <name|uid>[:<group|gid>]`, { seeHelp: true });
  }
  return { user };
}
