import { CniCode, CniError, assertValid, formatValue, parseMac, pickCniArgs, validateIfName, type DNS, type NetConf } from '../../lib/cni';
import validate from './config.validate.cjs';

/** The reference's `defaultBrName`. */
export const DEFAULT_BRIDGE = 'cni0';

/** The CNI_ARGS keys bridge reads: `MAC`, and `IP`, which it hands on to the IPAM plugin. */
const CNI_ARGS_KEYS = ['MAC', 'IP'] as const;

/** The verbs that load a config; DEL is lenient where a failure would keep state from being removed. */
export type ConfigVerb = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/** A validated bridge configuration with the reference's defaults filled in. */
export interface BridgeConfig {
  readonly network: string;
  readonly cniVersion: string;
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly isDefaultGateway: boolean;
  readonly forceAddress: boolean;
  readonly ipMasq: boolean;
  readonly ipMasqBackend: 'iptables' | 'nftables' | undefined;
  /** 0: the kernel's default. */
  readonly mtu: number;
  readonly hairpinMode: boolean;
  readonly promiscMode: boolean;
  /** The access VLAN, 0 for none. */
  readonly vlan: number;
  /** The trunk's VLAN IDs, sorted and unique. */
  readonly vlans: readonly number[];
  /** `vlan` or `vlanTrunk` is set: the bridge is created with VLAN filtering. */
  readonly vlanFiltering: boolean;
  readonly preserveDefaultVlan: boolean;
  readonly macspoofchk: boolean;
  readonly enabledad: boolean;
  readonly disableContainerInterface: boolean;
  readonly portIsolation: boolean;
  /** The container MAC: CNI_ARGS `MAC=`, then `args.cni.mac`, then `runtimeConfig.mac` (the last one set wins). */
  readonly mac: string | undefined;
  /** `ipam.type`; empty means L2 mode (no addresses). */
  readonly ipamType: string;
  /** The config's own `dns`, which overrides the IPAM plugin's when any of its fields is set. */
  readonly dns: DNS | undefined;
}

interface RawBridgeConf extends NetConf {
  bridge?: string | null;
  mtu?: number | null;
  vlan?: number | null;
  vlanTrunk?: Array<{ id?: number | null; minID?: number | null; maxID?: number | null }> | null;
  args?: { cni?: { mac?: string | null } | null };
  runtimeConfig?: { mac?: string | null };
}

/**
 * Validates the bridge keys and applies the reference's defaults. Types come from the schema (code 7,
 * naming the JSON path and the value); then the ranges and rules, worded as the reference words them:
 * `vlan` 0..4094, the `vlanTrunk` entries, `mtu` 0 or 68..65535, the bridge name, MAC syntax, and at
 * ADD the exclusive pairs (hairpinMode with promiscMode, disableContainerInterface with IPAM).
 * CNI_ARGS problems are code 4 (it is an environment variable); DEL ignores them, since DEL must
 * remove what ADD made whatever the arguments say.
 * @throws {CniError} 7 for the config, 4 for CNI_ARGS
 */
export function loadBridgeConfig(config: NetConf, cniArgs: string, verb: ConfigVerb): BridgeConfig {
  assertValid(validate, config);
  const raw = config as RawBridgeConf;
  const bool = (key: string): boolean => raw[key] === true;
  const bridge = raw.bridge === undefined || raw.bridge === null || raw.bridge === '' ? DEFAULT_BRIDGE : raw.bridge;
  try {
    validateIfName(bridge);
  } catch {
    throw configError('/bridge', `invalid interface name ${formatValue(bridge)} (1-15 bytes, no "/", ":", whitespace or NUL)`);
  }
  const mtu = raw.mtu ?? 0;
  if (mtu !== 0 && (mtu < 68 || mtu > 65535)) throw configError('/mtu', `must be 0 (the kernel's default) or between 68 and 65535 (got ${formatValue(mtu)})`);
  const vlan = raw.vlan ?? 0;
  if (vlan < 0 || vlan > 4094) throw configError('/vlan', `invalid VLAN ID ${formatValue(vlan)} (must be between 0 and 4094)`);
  const vlans = collectVlanTrunk(raw.vlanTrunk);
  const ipamType = typeof config.ipam?.type === 'string' ? config.ipam.type : '';

  let mac: string | undefined;
  if (verb !== 'DEL') {
    const { MAC } = pickCniArgs(cniArgs, CNI_ARGS_KEYS);
    if (MAC !== undefined && MAC !== '') mac = parseMac(MAC, 'CNI_ARGS MAC', CniCode.InvalidEnvironmentVariables);
  }
  const argsMac = raw.args?.cni?.mac;
  if (typeof argsMac === 'string' && argsMac !== '') mac = parseMac(argsMac, '/args/cni/mac');
  const rcMac = raw.runtimeConfig?.mac;
  if (typeof rcMac === 'string' && rcMac !== '') mac = parseMac(rcMac, '/runtimeConfig/mac');

  const conf: BridgeConfig = {
    network: config.name,
    cniVersion: config.cniVersion,
    bridge,
    isGateway: bool('isGateway') || bool('isDefaultGateway'),
    isDefaultGateway: bool('isDefaultGateway'),
    forceAddress: bool('forceAddress'),
    ipMasq: bool('ipMasq'),
    ipMasqBackend: (raw.ipMasqBackend ?? undefined) as BridgeConfig['ipMasqBackend'],
    mtu,
    hairpinMode: bool('hairpinMode'),
    promiscMode: bool('promiscMode'),
    vlan,
    vlans,
    vlanFiltering: vlan !== 0 || (raw.vlanTrunk !== undefined && raw.vlanTrunk !== null),
    preserveDefaultVlan: bool('preserveDefaultVlan'),
    macspoofchk: bool('macspoofchk'),
    enabledad: bool('enabledad'),
    disableContainerInterface: bool('disableContainerInterface'),
    portIsolation: bool('portIsolation'),
    mac,
    ipamType,
    dns: dnsSet(config.dns) ? config.dns : undefined,
  };
  if (verb === 'ADD') checkExclusive(conf);
  return conf;
}

/** The pairs the reference refuses at ADD, with its messages. */
function checkExclusive(c: BridgeConfig): void {
  if (c.ipamType !== '' && c.disableContainerInterface) {
    throw configError('/disableContainerInterface', 'cannot use IPAM when DisableContainerInterface flag is set');
  }
  if (c.hairpinMode && c.promiscMode) {
    throw configError('/hairpinMode', 'cannot set hairpin mode and promiscuous mode at the same time');
  }
}

/**
 * The trunk's VLAN IDs, as the reference's `collectVlanTrunk`: `{id}` or `{minID, maxID}` (both, min
 * not above max), each in 1..4094; duplicates merged, sorted.
 */
export function collectVlanTrunk(trunk: RawBridgeConf['vlanTrunk']): number[] {
  const ids = new Set<number>();
  (trunk ?? []).forEach((item, i) => {
    const at = `/vlanTrunk/${i}`;
    const { id, minID, maxID } = { id: item.id ?? undefined, minID: item.minID ?? undefined, maxID: item.maxID ?? undefined };
    if (minID !== undefined && maxID !== undefined) {
      if (minID <= 0 || minID > 4094) throw configError(`${at}/minID`, `incorrect trunk minID parameter (got ${formatValue(minID)}; must be between 1 and 4094)`);
      if (maxID <= 0 || maxID > 4094) throw configError(`${at}/maxID`, `incorrect trunk maxID parameter (got ${formatValue(maxID)}; must be between 1 and 4094)`);
      if (maxID < minID) throw configError(at, `minID is greater than maxID in trunk parameter (${minID} > ${maxID})`);
      for (let v = minID; v <= maxID; v++) ids.add(v);
    } else if (maxID !== undefined) {
      throw configError(`${at}/minID`, 'minID and maxID should be configured simultaneously, minID is missing');
    } else if (minID !== undefined) {
      throw configError(`${at}/maxID`, 'minID and maxID should be configured simultaneously, maxID is missing');
    }
    if (id !== undefined) {
      if (id <= 0 || id > 4094) throw configError(`${at}/id`, `incorrect trunk id parameter (got ${formatValue(id)}; must be between 1 and 4094)`);
      ids.add(id);
    }
  });
  return [...ids].sort((a, b) => a - b);
}

/** The reference's `dnsConfSet`: any field present. */
function dnsSet(dns: DNS | undefined): boolean {
  return dns !== undefined && (dns.nameservers !== undefined || dns.search !== undefined || dns.options !== undefined || (dns.domain ?? '') !== '');
}

function configError(path: string, msg: string): CniError {
  return new CniError(CniCode.InvalidNetworkConfig, `invalid config: ${path}: ${msg}`);
}
