/**
 * The portmap configuration: the reference's keys and defaults, validated up front with code-7
 * messages naming the key. The port mappings come from `runtimeConfig.portMappings` (the runtime
 * fills it from the `portMappings` capability: a pod's hostPorts, `berth run -p`).
 */
import { CniCode, CniError, assertValid, formatValue, type NetConf } from '../../lib/cni';
import { HOSTPORT_PROTOCOLS, type HostportProtocol, type PortMapping } from '../../lib/firewall';
import { parseIP } from '../../lib/ip';
import validate from './config.validate.cjs';

export type PortmapBackend = 'iptables' | 'nftables';
const BACKENDS: readonly PortmapBackend[] = ['iptables', 'nftables'];

/** The reference's default mark bit: 0x2000. */
export const DEFAULT_MARK_BIT = 13;

/** A validated portmap configuration with the reference's defaults filled in. */
export interface PortmapConfig {
  readonly network: string;
  /** As configured, or implied by backend-specific keys; undefined: iptables unless only nftables works. */
  readonly backend: PortmapBackend | undefined;
  readonly snat: boolean;
  readonly masqAll: boolean;
  readonly markBit: number;
  readonly setMarkChain: string | undefined;
  readonly conditionsV4: readonly string[];
  readonly conditionsV6: readonly string[];
  readonly mappings: readonly PortMapping[];
}

interface RawMapping { hostPort: number; containerPort: number; protocol?: string | null; hostIP?: string | null }
interface RawPortmapConf extends NetConf {
  backend?: string | null;
  snat?: boolean | null;
  masqAll?: boolean | null;
  markMasqBit?: number | null;
  externalSetMarkChain?: string | null;
  conditionsV4?: string[] | null;
  conditionsV6?: string[] | null;
  runtimeConfig?: { portMappings?: RawMapping[] | null };
}

/**
 * Validates the portmap keys for ADD and CHECK. Types come from the schema; then each rule, naming its
 * key: ports 1-65535, `protocol` tcp, udp or sctp (any case; absent means tcp), `hostIP` an address,
 * `markMasqBit` 0-31 and not with `externalSetMarkChain`, conditions without line breaks (they are
 * spliced into an iptables-restore or nft batch), and no key of the other backend (the reference's
 * rule: iptables conditions start with `-` or `!`).
 * @throws {CniError} 7
 */
export function loadPortmapConfig(config: NetConf): PortmapConfig {
  const raw = withCanonicalMappingKeys(config) as RawPortmapConf;
  assertValid(validate, raw);
  if (raw.markMasqBit != null && raw.externalSetMarkChain != null) {
    throw configError('/externalSetMarkChain', 'Cannot specify externalSetMarkChain and markMasqBit');
  }
  const markBit = raw.markMasqBit ?? DEFAULT_MARK_BIT;
  if (markBit < 0 || markBit > 31) throw configError('/markMasqBit', `MasqMarkBit must be between 0 and 31 (got ${formatValue(markBit)})`);
  const setMarkChain = raw.externalSetMarkChain ?? undefined;
  if (setMarkChain !== undefined && !/^[A-Za-z0-9_.-]{1,28}$/.test(setMarkChain)) {
    throw configError('/externalSetMarkChain', `${formatValue(setMarkChain)} is not an iptables chain name (1-28 letters, digits, _ . -)`);
  }
  const conditionsV4 = conditions(raw.conditionsV4, '/conditionsV4');
  const conditionsV6 = conditions(raw.conditionsV6, '/conditionsV6');
  return {
    network: config.name,
    backend: backendOf(raw.backend, setMarkChain, conditionsV4, conditionsV6),
    snat: raw.snat ?? true,
    masqAll: raw.masqAll ?? false,
    markBit,
    setMarkChain,
    conditionsV4,
    conditionsV6,
    mappings: (raw.runtimeConfig?.portMappings ?? []).map((m, i) => mapping(m, `/runtimeConfig/portMappings/${i}`)),
  };
}

const MAPPING_KEYS = ['hostPort', 'containerPort', 'protocol', 'hostIP'] as const;

/**
 * The config with each mapping's keys spelled as ours. containerd's go-cni marshals its PortMapping
 * struct without JSON tags (`{"HostPort":80,"ContainerPort":8080,"Protocol":"tcp","HostIP":""}`),
 * and the reference accepts that because Go's JSON decoding matches field names case-insensitively:
 * so do we, for these keys (an exact match wins over a case-insensitive one, as in Go).
 */
function withCanonicalMappingKeys(config: NetConf): NetConf {
  const list = (config.runtimeConfig as { portMappings?: unknown } | undefined)?.portMappings;
  if (!Array.isArray(list)) return config;
  const canonical = list.map((m: unknown) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return m;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m)) {
      const key = MAPPING_KEYS.find((c) => c.toLowerCase() === k.toLowerCase()) ?? k;
      if (key === k || !(key in m)) out[key] = v;
    }
    return out;
  });
  return { ...config, runtimeConfig: { ...config.runtimeConfig, portMappings: canonical } };
}

function mapping(m: RawMapping, path: string): PortMapping {
  for (const key of ['hostPort', 'containerPort'] as const) {
    if (m[key] < 1 || m[key] > 65535) throw configError(`${path}/${key}`, `invalid port number ${formatValue(m[key])} (must be 1-65535)`);
  }
  const protocol = (m.protocol ?? '') === '' ? 'tcp' : m.protocol!.toLowerCase();
  if (!(HOSTPORT_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw configError(`${path}/protocol`, `unsupported protocol ${formatValue(m.protocol)} (must be ${HOSTPORT_PROTOCOLS.join(', ')})`);
  }
  const hostIPText = m.hostIP ?? '';
  const hostIP = hostIPText === '' ? undefined : parseIP(hostIPText);
  if (hostIPText !== '' && hostIP === undefined) throw configError(`${path}/hostIP`, `${formatValue(hostIPText)} is not an IP address`);
  return { hostPort: m.hostPort, containerPort: m.containerPort, protocol: protocol as HostportProtocol, ...(hostIP ? { hostIP } : {}) };
}

function conditions(list: string[] | null | undefined, path: string): string[] {
  const out = list ?? [];
  out.forEach((c, i) => {
    if (/[\n\r\0]/.test(c)) throw configError(`${path}/${i}`, 'must not contain a line break or NUL (conditions are spliced into a firewall batch)');
  });
  return out;
}

/** The reference's ensureBackend: an explicit backend must not meet the other's keys; keys imply one. */
function backendOf(requested: string | null | undefined, setMarkChain: string | undefined, v4: readonly string[], v6: readonly string[]): PortmapBackend | undefined {
  if (requested != null && !(BACKENDS as readonly string[]).includes(requested)) {
    throw configError('/backend', `unrecognized backend ${formatValue(requested)} (must be ${BACKENDS.join(' or ')})`);
  }
  const specific: Record<PortmapBackend, string[]> = { iptables: [], nftables: [] };
  if (setMarkChain !== undefined) specific.iptables.push('externalSetMarkChain');
  for (const [list, key] of [[v4, 'conditionsV4'], [v6, 'conditionsV6']] as const) {
    const first = list[0];
    if (first) specific[first.startsWith('-') || first.startsWith('!') ? 'iptables' : 'nftables'].push(key);
  }
  const implied = specific.nftables.length > 0 && specific.iptables.length === 0 ? 'nftables' : specific.iptables.length > 0 ? 'iptables' : undefined;
  const backend = (requested ?? implied) as PortmapBackend | undefined;
  const wrong: PortmapBackend = backend === 'nftables' ? 'iptables' : 'nftables';
  if (specific[wrong].length > 0) {
    throw configError('/backend', `${backend ?? 'iptables'} backend was requested but configuration contains ${wrong}-specific options [${specific[wrong].join(' ')}]`);
  }
  return backend;
}

/** The backend DEL and GC clean up: the configured one when the key is valid, else undefined (detect). */
export function backendForCleanup(config: NetConf): PortmapBackend | undefined {
  const b = (config as RawPortmapConf).backend;
  return typeof b === 'string' && (BACKENDS as readonly string[]).includes(b) ? (b as PortmapBackend) : undefined;
}

/** Code 7, worded as lib/cni words schema errors: `invalid config: <JSON pointer>: <what is wrong>`. */
export function configError(path: string, msg: string): CniError {
  return new CniError(CniCode.InvalidNetworkConfig, `invalid config: ${path}: ${msg}`);
}
