import { CNI_NAME } from '../paths';
import { CniError, CniCode } from './errors';
import { formatValue } from './validation';
import type { CniCommand } from './version';

/** The environment as a plugin receives it. */
export type Env = Readonly<Record<string, string | undefined>>;

/** One CNI_* variable: which verbs need it, which read it, and how its value is checked. */
export interface EnvVarSpec {
  name: string;
  /** Verbs that fail with code 4 when it is unset or empty. */
  requiredFor: readonly CniCommand[];
  /** Verbs that read it; its validator runs for these whenever it is set. */
  usedBy: readonly CniCommand[];
  /** Throws a CniError (code 4) for a bad value; `command` is the verb being run. */
  validate?: (value: string, name: string, command: CniCommand, opts: CniEnvOptions) => void;
}

/** What a plugin accepts beyond the common rules. */
export interface CniEnvOptions {
  /** CNI_IFNAME may be `lo`: the loopback plugin's whole job is that device (containerd passes `lo`). */
  readonly allowLoopbackIfName?: boolean;
}

/** The verbs, in the order the spec lists them. */
export const CNI_COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS', 'VERSION'];

/** IFNAMSIZ (16) less the terminating NUL. */
export const MAX_IFNAME_BYTES = 15;

const ATTACHMENT: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK'];

/**
 * The CNI_* variables, like skel's table. Deviations from skel, both allowed by the spec:
 * - CNI_PATH is required for GC only. skel requires it for every verb but VERSION, yet the spec makes it
 *   optional for ADD/DEL/CHECK/STATUS: a plugin must not fail for lack of it unless it delegates, and
 *   then `findPlugin` reports the empty path itself.
 * - CNI_NETNS is required for ADD and CHECK; DEL must work when the netns is already gone.
 */
export const ENV_VARS: readonly EnvVarSpec[] = [
  { name: 'CNI_COMMAND', requiredFor: CNI_COMMANDS, usedBy: CNI_COMMANDS },
  { name: 'CNI_CONTAINERID', requiredFor: ATTACHMENT, usedBy: ATTACHMENT, validate: validateContainerId },
  { name: 'CNI_NETNS', requiredFor: ['ADD', 'CHECK'], usedBy: ['ADD', 'CHECK'], validate: validateNetnsPath },
  { name: 'CNI_IFNAME', requiredFor: ATTACHMENT, usedBy: ATTACHMENT, validate: validateEnvIfName },
  { name: 'CNI_ARGS', requiredFor: [], usedBy: ATTACHMENT },
  { name: 'CNI_PATH', requiredFor: ['GC'], usedBy: ['ADD', 'DEL', 'CHECK', 'GC', 'STATUS'] },
  { name: 'CNI_NETNS_OVERRIDE', requiredFor: [], usedBy: ['ADD', 'DEL'] },
];

/** The validated CNI_* environment of one invocation. */
export interface CniEnv {
  command: CniCommand;
  containerID: string;
  netns: string;
  ifName: string;
  args: string;
  /** CNI_PATH split on `:`, empty entries dropped. */
  path: string[];
  /** CNI_NETNS_OVERRIDE is 1/true: skip the "CNI_NETNS is our own netns" check. */
  netnsOverride: boolean;
}

/**
 * Checks CNI_COMMAND names a verb.
 * @throws {CniError} code 4 `unknown CNI_COMMAND: X` (runtimes probing VERSION match this exact text)
 */
export function parseCommand(value: string): CniCommand {
  if (value.includes('\0')) throw nulError('CNI_COMMAND');
  if (!(CNI_COMMANDS as readonly string[]).includes(value)) {
    throw new CniError(CniCode.InvalidEnvironmentVariables, `unknown CNI_COMMAND: ${value}`);
  }
  return value as CniCommand;
}

/**
 * Reads and checks the CNI_* variables for a verb: NUL bytes anywhere, then every missing required
 * variable at once, then the values of those the verb reads.
 * @throws {CniError} code 4, naming the variables
 */
export function readCniEnv(env: Env, command: CniCommand, opts: CniEnvOptions = {}): CniEnv {
  for (const spec of ENV_VARS) if (env[spec.name]?.includes('\0')) throw nulError(spec.name);
  const missing = ENV_VARS.filter((s) => s.requiredFor.includes(command) && !env[s.name]).map((s) => s.name);
  if (missing.length > 0) {
    throw new CniError(CniCode.InvalidEnvironmentVariables, `required env variables [${missing.join(',')}] missing`);
  }
  for (const spec of ENV_VARS) {
    const value = env[spec.name];
    if (value && spec.validate && spec.usedBy.includes(command)) spec.validate(value, spec.name, command, opts);
  }
  return {
    command,
    containerID: env.CNI_CONTAINERID ?? '',
    netns: env.CNI_NETNS ?? '',
    ifName: env.CNI_IFNAME ?? '',
    args: env.CNI_ARGS ?? '',
    path: (env.CNI_PATH ?? '').split(':').filter((p) => p !== ''),
    netnsOverride: /^(1|true)$/i.test(env.CNI_NETNS_OVERRIDE ?? ''),
  };
}

/**
 * Container IDs match the network-name pattern (libcni `ValidateContainerID`).
 * @throws {CniError} code 4 `invalid characters in containerID: ...`
 */
export function validateContainerId(id: string, name = 'CNI_CONTAINERID'): void {
  if (!CNI_NAME.test(id)) {
    throw new CniError(CniCode.InvalidEnvironmentVariables, `invalid characters in containerID: ${name} ${JSON.stringify(id)} must match ${CNI_NAME.source}`);
  }
}

/**
 * Interface names as the kernel accepts them (libcni `ValidateInterfaceName`): non-empty, at most 15
 * bytes, not `.` or `..`, no `/`, `:` or whitespace.
 * @throws {CniError} code 4 naming the variable and the rule broken
 */
export function validateIfName(ifName: string, name = 'CNI_IFNAME'): void {
  const problem = ifNameProblem(ifName);
  if (problem) throw new CniError(CniCode.InvalidEnvironmentVariables, `invalid interface name: ${name} ${JSON.stringify(ifName)} ${problem}`);
}

/**
 * CNI_IFNAME: for ADD and CHECK a name the plugin can create as given (validateNewIfName, and not the
 * netns's own `lo`, unless the plugin is the one that manages `lo`); for DEL any name validateIfName
 * allows, so that a DEL with a name ADD refused still removes what is keyed by it (the lease, firewall
 * rules) and finds no link.
 */
function validateEnvIfName(ifName: string, name: string, command: CniCommand, opts: CniEnvOptions): void {
  if (command === 'DEL') validateIfName(ifName, name);
  else validateNewIfName(ifName, name, { allowLoopback: opts.allowLoopbackIfName === true });
}

/** Names the kernel reserves for the sysctl directories of every device (net/ipv4/conf/all, .../default). */
const RESERVED_IFNAMES: ReadonlySet<string> = new Set(['all', 'default']);

/**
 * A name for a link this plugin creates or looks up to configure: validateIfName's rules, and what
 * else the kernel does with names. It refuses `all` and `default` (the sysctl directories) and any
 * name holding byte 0xa0 (its isspace() counts Latin-1 no-break space: `à` is c3 a0 in UTF-8), and it
 * takes a name with `%` as a template (`eth%d` becomes eth0), so the result would name a link that
 * does not exist and DEL would miss it. `lo`, the loopback device every netns has, is refused unless
 * `opts.allowLoopback`.
 * @throws {CniError} code 4 naming `name` and the rule broken
 */
export function validateNewIfName(ifName: string, name = 'CNI_IFNAME', opts: { allowLoopback?: boolean } = {}): void {
  const problem = ifNameProblem(ifName) ?? newIfNameProblem(ifName, opts.allowLoopback === true);
  if (problem) throw new CniError(CniCode.InvalidEnvironmentVariables, `invalid interface name: ${name} ${JSON.stringify(ifName)} ${problem}`);
}

function newIfNameProblem(ifName: string, allowLoopback: boolean): string | undefined {
  if (ifName.includes('%')) return 'must not contain % (the kernel takes it as a name template such as eth%d and picks another name)';
  if (RESERVED_IFNAMES.has(ifName)) return 'is reserved by the kernel (net/ipv4/conf/all and default are sysctl directories)';
  if (Buffer.from(ifName, 'utf8').includes(0xa0)) return 'must not contain byte 0xa0 (the kernel counts it as whitespace)';
  if (!allowLoopback && ifName === 'lo') return 'is the loopback device every network namespace has';
  return undefined;
}

/** PATH_MAX less the terminating NUL: open(2) refuses longer paths (ENAMETOOLONG). */
const MAX_PATH_BYTES = 4095;

/**
 * CNI_NETNS for ADD and CHECK: what can be told from the text alone (open(2) and NS_GET_NSTYPE tell
 * the rest, lib/netns): at most PATH_MAX bytes, and not ending in `/` (a namespace is a file, never a
 * directory). DEL does not validate it: a netns it cannot enter is one that is gone.
 * @throws {CniError} code 4 naming the variable and the reason
 */
export function validateNetnsPath(netns: string, name = 'CNI_NETNS'): void {
  const bytes = Buffer.byteLength(netns, 'utf8');
  const shown = formatValue(netns);
  if (bytes > MAX_PATH_BYTES) throw new CniError(CniCode.InvalidEnvironmentVariables, `invalid ${name} ${shown}: the path is ${bytes} bytes long, at most ${MAX_PATH_BYTES} allowed`);
  if (netns.endsWith('/')) throw new CniError(CniCode.InvalidEnvironmentVariables, `invalid ${name} ${shown}: ends in "/", but a network namespace is a file, not a directory`);
}

function ifNameProblem(ifName: string): string | undefined {
  if (ifName === '') return 'is empty';
  if (ifName.includes('\0')) return 'contains a NUL byte';
  const bytes = Buffer.byteLength(ifName, 'utf8');
  // Bytes, not characters: IFNAMSIZ bounds the kernel's char array.
  if (bytes > MAX_IFNAME_BYTES) return `is ${bytes} bytes long, at most ${MAX_IFNAME_BYTES} allowed`;
  if (ifName === '.' || ifName === '..') return 'must not be . or ..';
  if (/[/:\s]/u.test(ifName)) return 'must not contain /, : or whitespace';
  return undefined;
}

function nulError(name: string): CniError {
  return new CniError(CniCode.InvalidEnvironmentVariables, `${name} contains a NUL byte`);
}
