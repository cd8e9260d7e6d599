import { CniCode, CniError, assertValid, dropInvalid, formatValue, parseMac, pickCniArgs, validateNewIfName, type DNS, type NetConf } from '../../lib/cni';
import type { IpMasqBackend } from '../../lib/firewall';
import validate from './config.validate.cjs';

/** The reference's `defaultBrName`. */
export const DEFAULT_BRIDGE = 'cni0';

/** The CNI_ARGS keys bridge reads: `MAC`, and `IP`, which it hands on to the IPAM plugin. */
const CNI_ARGS_KEYS = ['MAC', 'IP'] as const;

/** The verbs that load the whole config (DEL and GC load loadBridgeCleanupConfig's part of it). */
export type ConfigVerb = 'ADD' | 'CHECK' | 'STATUS';

/** A validated bridge configuration with the reference's defaults filled in. */
export interface BridgeConfig {
  readonly network: string;
  readonly cniVersion: string;
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly isDefaultGateway: boolean;
  readonly forceAddress: boolean;
  readonly ipMasq: boolean;
  /** Checked by the schema (config.schema.json's enum), so lib/firewall takes it as given. */
  readonly ipMasqBackend: IpMasqBackend | undefined;
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

/** The config as config.schema.json has validated it (the keys whose types this file relies on). */
interface RawBridgeConf extends NetConf {
  bridge?: string | null;
  ipMasqBackend?: IpMasqBackend | null;
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
 * CNI_ARGS problems are code 4 (it is an environment variable).
 * @throws {CniError} 7 for the config, 4 for CNI_ARGS
 */
export function loadBridgeConfig(config: NetConf, cniArgs: string, verb: ConfigVerb): BridgeConfig {
  assertValid(validate, config);
  const raw = config as RawBridgeConf;
  const bool = (key: string): boolean => raw[key] === true;
  const bridge = bridgeName(raw);
  const mtu = raw.mtu ?? 0;
  if (mtu !== 0 && (mtu < 68 || mtu > 65535)) throw configError('/mtu', `must be 0 (the kernel's default) or between 68 and 65535 (got ${formatValue(mtu)})`);
  const vlan = raw.vlan ?? 0;
  if (vlan < 0 || vlan > 4094) throw configError('/vlan', `invalid VLAN ID ${formatValue(vlan)} (must be between 0 and 4094)`);
  const vlans = collectVlanTrunk(raw.vlanTrunk);
  const ipamType = typeof config.ipam?.type === 'string' ? config.ipam.type : '';

  let mac: string | undefined;
  const { MAC } = pickCniArgs(cniArgs, CNI_ARGS_KEYS);
  if (MAC !== undefined && MAC !== '') mac = parseMac(MAC, 'CNI_ARGS MAC', CniCode.InvalidEnvironmentVariables);
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
    ipMasqBackend: raw.ipMasqBackend ?? undefined,
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

/** What DEL and GC read of a config: where the attachment's state is, and which kinds of it there are. */
export type BridgeCleanupConfig = Pick<BridgeConfig, 'network' | 'cniVersion' | 'bridge' | 'ipMasq' | 'macspoofchk' | 'ipamType'>;

/**
 * The config as DEL and GC read it. They must remove what ADD made whatever else the config says
 * (an MTU or VLAN the kernel refuses, hairpin with promisc: ADD refused those, or made what must go),
 * so a value that does not validate is taken as absent (lib/cni dropInvalid) and no range or rule
 * is checked. GC reads `bridge` (the spoof checks of its ports) and checks it strictly; DEL reads it
 * only as a hint (a host veth without its alias counts as ours when it is a port of this bridge), so
 * a bridge name ADD would refuse is no bridge at all, and DEL ignores CNI_ARGS.
 * @throws {CniError} 7 for GC's bridge name
 */
export function loadBridgeCleanupConfig(config: NetConf, verb: 'DEL' | 'GC'): BridgeCleanupConfig {
  const raw = structuredClone(config) as RawBridgeConf;
  dropInvalid(validate, raw, verb === 'GC' ? ['/bridge'] : []);
  return {
    network: config.name,
    cniVersion: config.cniVersion,
    bridge: verb === 'GC' ? bridgeName(raw) : bridgeHint(raw),
    ipMasq: raw.ipMasq === true,
    macspoofchk: raw.macspoofchk === true,
    ipamType: typeof config.ipam?.type === 'string' ? config.ipam.type : '',
  };
}

/** DEL's reading of `bridge`: the name, or '' (no bridge) when ADD would refuse it. */
function bridgeHint(raw: RawBridgeConf): string {
  try {
    return bridgeName(raw);
  } catch {
    return '';
  }
}

/** `bridge`, default cni0: a name the kernel creates as given, and not a sysctl directory (all, default). */
function bridgeName(raw: RawBridgeConf): string {
  const bridge = raw.bridge === undefined || raw.bridge === null || raw.bridge === '' ? DEFAULT_BRIDGE : raw.bridge;
  try {
    validateNewIfName(bridge, 'bridge');
  } catch (err) {
    throw configError('/bridge', (err as Error).message.replace(/^invalid interface name: bridge /, `invalid interface name `));
  }
  return bridge;
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
