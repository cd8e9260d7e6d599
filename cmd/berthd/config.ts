/**
 * berthd's command line and environment: a table of flags, each with its environment variable, parsed
 * into {@link DaemonOptions}. Flags win over the environment; every bad value is a {@link UsageError}
 * naming the flag and the value.
 */
import { DEFAULT_PREFIX } from '../../lib/overlay';
import { CNI_NAME, DEFAULT_BERTH_ROOT, DEFAULT_BERTHD_STATE_DIR, DEFAULT_CNI_DIR, DEFAULT_RUN_DIR } from '../../lib/paths';

/** Where the overlay's configs and leases live. */
export type StoreSpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'etcd'; readonly endpoints: readonly string[] };

/** Everything berthd runs with. */
export interface DaemonOptions {
  /** `run` (the daemon) or `leave` (a node leaves `networks`). */
  readonly command: 'run' | 'leave';
  readonly store: StoreSpec;
  /** Store key prefix, default "/berth/overlay". */
  readonly prefix: string;
  /** The networks to serve (more can be added through the API). */
  readonly networks: readonly string[];
  /** The underlay link; default: the link of the default route (or the one holding `publicIP`). */
  readonly iface?: string;
  /** The node's underlay address; default: the first IPv4 address of `iface`. */
  readonly publicIP?: string;
  readonly stateDir: string;
  readonly runDir: string;
  readonly leaseTtlMs: number;
  /** Period of the full reconcile (and of the DNS resolvers' reconcile). */
  readonly resyncMs: number;
  /** berth's state root: the container and network stores the embedded DNS answers from. */
  readonly berthRoot: string;
  /** libcni's directory: the IPAM leases that name who asks. */
  readonly cniDir: string;
  /** The host's resolv.conf: upstream servers for names that are no container's. */
  readonly resolvConf: string;
}

/** A bad flag, environment variable or value: printed as one line, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const HOUR = 3_600_000;
/** The etcd server's minimum lease TTL (research B): a shorter one is silently raised. */
const MIN_TTL_MS = 2_000;

/** One flag: its name, its environment variable, and whether it may repeat. */
interface FlagDef {
  readonly flag: string;
  readonly env: string;
  readonly repeat?: boolean;
}

const FLAGS: readonly FlagDef[] = [
  { flag: 'store', env: 'BERTHD_STORE' },
  { flag: 'prefix', env: 'BERTHD_PREFIX' },
  { flag: 'network', env: 'BERTHD_NETWORKS', repeat: true },
  { flag: 'iface', env: 'BERTHD_IFACE' },
  { flag: 'public-ip', env: 'BERTHD_PUBLIC_IP' },
  { flag: 'state-dir', env: 'BERTHD_STATE_DIR' },
  { flag: 'run-dir', env: 'BERTHD_RUN_DIR' },
  { flag: 'lease-ttl', env: 'BERTHD_LEASE_TTL' },
  { flag: 'resync', env: 'BERTHD_RESYNC' },
  { flag: 'berth-root', env: 'BERTH_ROOT' },
  { flag: 'cni-dir', env: 'BERTH_CNI_DIR' },
  { flag: 'resolv-conf', env: 'BERTH_RESOLV_CONF' },
];

export const USAGE = `usage: berthd [run] [flags]
       berthd leave --network NAME [flags]
flags (environment variable in brackets):
  --store file:PATH | etcd:HOST:PORT[,HOST:PORT...]  [BERTHD_STORE]  default file:<state-dir>/store.json
  --prefix P            store key prefix [BERTHD_PREFIX] default ${DEFAULT_PREFIX}
  --network NAME        serve this overlay network; repeatable [BERTHD_NETWORKS, comma-separated]
  --iface LINK          underlay link [BERTHD_IFACE] default: the default route's link
  --public-ip IP        underlay address [BERTHD_PUBLIC_IP] default: the first IPv4 address of the link
  --state-dir DIR       [BERTHD_STATE_DIR] default ${DEFAULT_BERTHD_STATE_DIR}
  --run-dir DIR         [BERTHD_RUN_DIR] default ${DEFAULT_RUN_DIR}
  --lease-ttl DURATION  [BERTHD_LEASE_TTL] default 24h (etcd), 1h (file); e.g. 10s, 1h
  --resync DURATION     full reconcile period [BERTHD_RESYNC] default 30s
  --berth-root DIR      berth's state: containers and networks the embedded DNS answers from
                        [BERTH_ROOT] default ${DEFAULT_BERTH_ROOT}
  --cni-dir DIR         IPAM leases (who asks) [BERTH_CNI_DIR] default ${DEFAULT_CNI_DIR}
  --resolv-conf FILE    upstream resolvers for other names [BERTH_RESOLV_CONF] default /etc/resolv.conf
Embedded DNS: a resolver on UDP and TCP port 53 of the gateway address of every user bridge and
overlay network in berth's network store; berth starts berthd on demand when it is not running.
`;

/**
 * Parses argv (without node and the script) and the environment.
 * @throws {UsageError} an unknown flag, a missing value, a bad duration, address or store
 */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = {}): DaemonOptions {
  const args = [...argv];
  let command: DaemonOptions['command'] = 'run';
  if (args[0] === 'run' || args[0] === 'leave') command = args.shift() as DaemonOptions['command'];
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const def = FLAGS.find((f) => f.flag === name);
    if (!def) throw new UsageError(`unknown flag --${name}`);
    let value: string | undefined = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    value = value.trim();
    if (value === '') throw new UsageError(`--${name} needs a value`);
    if (!def.repeat && values.has(name)) throw new UsageError(`--${name} given twice`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  for (const def of FLAGS) {
    const e = env[def.env];
    if (!values.has(def.flag) && e !== undefined && e.trim() !== '') {
      values.set(def.flag, def.repeat ? e.split(',').map((s) => s.trim()).filter(Boolean) : [e.trim()]);
    }
  }
  const one = (name: string): string | undefined => values.get(name)?.[0];

  const stateDir = one('state-dir') ?? DEFAULT_BERTHD_STATE_DIR;
  const store = parseStore(one('store') ?? `file:${stateDir}/store.json`);
  const networks = [...new Set(values.get('network') ?? [])];
  for (const n of networks) checkNetworkName(n, '--network');
  if (command === 'leave' && networks.length === 0) throw new UsageError('leave needs --network NAME');
  const publicIP = one('public-ip');
  if (publicIP !== undefined && !isIPv4(publicIP)) throw new UsageError(`--public-ip ${JSON.stringify(publicIP)} is not an IPv4 address`);
  const iface = one('iface');
  if (iface !== undefined && !/^[^\s/]{1,15}$/.test(iface)) throw new UsageError(`--iface ${JSON.stringify(iface)} is not a link name`);
  const prefix = one('prefix') ?? DEFAULT_PREFIX;
  if (!prefix.startsWith('/')) throw new UsageError(`--prefix ${JSON.stringify(prefix)} must start with "/"`);
  const ttl = one('lease-ttl');
  const leaseTtlMs = ttl === undefined ? (store.kind === 'etcd' ? 24 * HOUR : HOUR) : parseDuration(ttl, '--lease-ttl');
  if (leaseTtlMs < MIN_TTL_MS) throw new UsageError(`--lease-ttl ${ttl} is shorter than 2s`);
  const resync = one('resync');
  const resyncMs = resync === undefined ? 30_000 : parseDuration(resync, '--resync');
  if (resyncMs < 100) throw new UsageError(`--resync ${resync} is shorter than 100ms`);
  return {
    command, store, prefix: prefix.replace(/\/+$/, '') || '/', networks,
    ...(iface !== undefined ? { iface } : {}), ...(publicIP !== undefined ? { publicIP } : {}),
    stateDir, runDir: one('run-dir') ?? DEFAULT_RUN_DIR, leaseTtlMs, resyncMs,
    berthRoot: absolute(one('berth-root') ?? DEFAULT_BERTH_ROOT, '--berth-root'),
    cniDir: absolute(one('cni-dir') ?? DEFAULT_CNI_DIR, '--cni-dir'),
    resolvConf: absolute(one('resolv-conf') ?? '/etc/resolv.conf', '--resolv-conf'),
  };
}

function absolute(path: string, flag: string): string {
  if (!path.startsWith('/')) throw new UsageError(`${flag} ${JSON.stringify(path)} must be an absolute path`);
  return path;
}

/** `file:/path` or `etcd:host:port,host:port` (an `http://` scheme on an endpoint is accepted). */
export function parseStore(text: string): StoreSpec {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (kind === 'file') {
    if (!rest.startsWith('/')) throw new UsageError(`--store ${JSON.stringify(text)}: the file store needs an absolute path (file:/path)`);
    return { kind: 'file', path: rest };
  }
  if (kind === 'etcd') {
    const endpoints = rest.split(',').map((s) => s.trim()).filter(Boolean);
    if (endpoints.length === 0) throw new UsageError(`--store ${JSON.stringify(text)}: etcd needs host:port endpoints`);
    for (const e of endpoints) {
      if (!/^(https?:\/\/)?[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(e)) throw new UsageError(`--store: etcd endpoint ${JSON.stringify(e)} is not host:port`);
    }
    return { kind: 'etcd', endpoints };
  }
  throw new UsageError(`--store ${JSON.stringify(text)}: want file:<path> or etcd:<host:port,...>`);
}

/** `500ms`, `10s`, `5m`, `24h`, or a bare number of seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${what} ${JSON.stringify(text)} is not a duration (e.g. 500ms, 10s, 5m, 24h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: HOUR }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** Network names become file names (lease file, VTEP MAC) and store keys. */
export function checkNetworkName(name: string, what: string): void {
  if (name.length > 64 || !CNI_NAME.test(name)) {
    throw new UsageError(`${what} ${JSON.stringify(name)}: a network name is 1-64 letters, digits, "_", "." or "-", starting with a letter or digit`);
  }
}

/** A dotted quad with octets 0-255. */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}
