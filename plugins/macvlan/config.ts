/**
 * The macvlan configuration: the reference's keys and defaults, validated up front with code-7 messages
 * that name the key. Nothing here touches the kernel; the master's existence and MTU are checked by
 * master.ts once the netns is open.
 */
import { CniCode, CniError, assertValid, formatValue, parseMac, pickCniArgs, validateNewIfName, type DNS, type NetConf } from '../../lib/cni';
import type { MacvlanMode } from '../../lib/netlink';
import validate from './config.validate.cjs';

/** The modes `mode` accepts: the reference's four, plus `source` (the kernel's fifth). */
export const MODES: readonly MacvlanMode[] = ['bridge', 'private', 'vepa', 'passthru', 'source'];

/** The reference's default mode. */
export const DEFAULT_MODE: MacvlanMode = 'bridge';

/** The CNI_ARGS keys macvlan reads: `MAC`, and `IP`, which belongs to the IPAM plugin. */
const CNI_ARGS_KEYS = ['MAC', 'IP'] as const;

/** IFLA_MACVLAN_BC_QUEUE_LEN is a u32. */
const MAX_U32 = 0xffff_ffff;

/** A validated macvlan configuration with the reference's defaults filled in. */
export interface MacvlanConfig {
  readonly network: string;
  readonly cniVersion: string;
  /** The lower device; undefined: the interface of the default route (resolved by master.ts). */
  readonly master: string | undefined;
  readonly mode: MacvlanMode;
  /** Source mode: the senders whose frames this macvlan receives (lower-case, unique, at least one). */
  readonly macaddrs: readonly string[];
  /** 0: inherit the master's MTU. */
  readonly mtu: number;
  /** The container MAC: config `mac`, then CNI_ARGS `MAC=`, then `runtimeConfig.mac` (the last set wins). */
  readonly mac: string | undefined;
  /** The master lives in the container netns, and the macvlan is made there. */
  readonly linkInContainer: boolean;
  /** Broadcast queue length; 0: the kernel's default. */
  readonly bcQueueLen: number;
  /** `ipam.type`; empty means L2 mode (`"ipam": {}`): the interface is only brought up. */
  readonly ipamType: string;
  /** The config's own `dns`, when any of its fields is set. */
  readonly dns: DNS | undefined;
}

interface RawMacvlanConf extends NetConf {
  master?: string | null;
  mode?: string | null;
  mtu?: number | null;
  mac?: string | null;
  linkInContainer?: boolean | null;
  bcqueuelen?: number | null;
  macaddrs?: string[] | null;
  runtimeConfig?: { mac?: string | null };
}

/**
 * Validates the macvlan keys for ADD, CHECK and STATUS. Types come from the schema (code 7, naming
 * the JSON path and the value); then the rules, each naming its key: `master` an interface name,
 * `mode` one of MODES, `mtu` 0 or 68..65535, `bcqueuelen` a u32, MACs unicast and non-zero, and
 * `macaddrs` given (non-empty) exactly when the mode is `source`. A bad CNI_ARGS is code 4 (it is an
 * environment variable). DEL and GC do not call this: they must clean up whatever the config says.
 * @throws {CniError} 7 for the config, 4 for CNI_ARGS
 */
export function loadMacvlanConfig(config: NetConf, cniArgs: string): MacvlanConfig {
  assertValid(validate, config);
  const raw = config as RawMacvlanConf;

  const master = raw.master === undefined || raw.master === null || raw.master === '' ? undefined : raw.master;
  if (master !== undefined) {
    try {
      // lo is a valid name but never a master: findMaster says why, once it has seen the link.
      validateNewIfName(master, 'master', { allowLoopback: true });
    } catch (err) {
      throw configError('/master', (err as Error).message);
    }
  }

  const modeText = raw.mode ?? '';
  const mode = modeText === '' ? DEFAULT_MODE : (MODES as readonly string[]).includes(modeText) ? (modeText as MacvlanMode) : undefined;
  if (mode === undefined) throw configError('/mode', `unknown macvlan mode ${formatValue(modeText)} (must be ${MODES.join(', ')})`);

  const mtu = raw.mtu ?? 0;
  if (mtu !== 0 && (mtu < 68 || mtu > 65535)) {
    throw configError('/mtu', `invalid MTU ${formatValue(mtu)}, must be 0 (the master's MTU) or between 68 and 65535`);
  }
  const bcQueueLen = raw.bcqueuelen ?? 0;
  if (bcQueueLen < 0 || bcQueueLen > MAX_U32) throw configError('/bcqueuelen', `must be between 0 and ${MAX_U32} (got ${formatValue(bcQueueLen)})`);

  const macaddrs = collectMacaddrs(raw.macaddrs, mode);

  // The reference's precedence: config < CNI_ARGS < runtimeConfig.
  let mac = raw.mac === undefined || raw.mac === null || raw.mac === '' ? undefined : parseMac(raw.mac, '/mac');
  const { MAC } = pickCniArgs(cniArgs, CNI_ARGS_KEYS);
  if (MAC !== undefined && MAC !== '') mac = parseMac(MAC, 'CNI_ARGS MAC', CniCode.InvalidEnvironmentVariables);
  const rcMac = raw.runtimeConfig?.mac;
  if (typeof rcMac === 'string' && rcMac !== '') mac = parseMac(rcMac, '/runtimeConfig/mac');

  return {
    network: config.name,
    cniVersion: config.cniVersion,
    master,
    mode,
    macaddrs,
    mtu,
    mac,
    linkInContainer: raw.linkInContainer === true,
    bcQueueLen,
    ipamType: ipamTypeOf(config),
    dns: dnsSet(config.dns) ? config.dns : undefined,
  };
}

/**
 * `ipam.type`, or '' for L2 mode. All that DEL and GC read of a config: the base schema has checked
 * it is a string, and nothing else may keep them from releasing a lease.
 */
export function ipamTypeOf(config: NetConf): string {
  return typeof config.ipam?.type === 'string' ? config.ipam.type : '';
}

/** Source mode needs the list (a source macvlan without one receives nothing); other modes refuse it. */
function collectMacaddrs(list: string[] | null | undefined, mode: MacvlanMode): string[] {
  if (mode !== 'source') {
    if (list !== undefined && list !== null && list.length > 0) {
      throw configError('/macaddrs', `is only used in mode "source" (mode is ${JSON.stringify(mode)})`);
    }
    return [];
  }
  if (!list || list.length === 0) throw configError('/macaddrs', 'mode "source" needs at least one MAC address whose frames the interface receives');
  return [...new Set(list.map((m, i) => parseMac(m, `/macaddrs/${i}`)))];
}

/** The reference's `dnsConfSet`: any field present. */
function dnsSet(dns: DNS | undefined): boolean {
  return dns !== undefined && (dns.nameservers !== undefined || dns.search !== undefined || dns.options !== undefined || (dns.domain ?? '') !== '');
}

/** Code 7, worded as lib/cni words schema errors: `invalid config: <JSON pointer>: <what is wrong>`. */
export function configError(path: string, msg: string): CniError {
  return new CniError(CniCode.InvalidNetworkConfig, `invalid config: ${path}: ${msg}`);
}
