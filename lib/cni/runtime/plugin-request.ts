/**
 * What the runtime hands one plugin: its stdin (libcni's `buildOneConfig` + `injectRuntimeConfig`) and
 * its CNI_* environment (libcni's `Args.AsEnv`), and the checks libcni makes before it execs anything.
 */
import { CniError, CniCode } from '../errors';
import { CNI_NAME } from '../../paths';
import { validateContainerId, validateIfName } from '../env';
import { convertResult } from '../result-convert';
import type { Result } from '../types';
import type { NetworkConfigList } from './conf-list';
import { CniRuntimeError } from './errors';

/** The arguments of one attachment (libcni's RuntimeConf). */
export interface RuntimeConf {
  containerId: string;
  /** Path of the container's netns (may be empty for DEL, when it is gone). */
  netns: string;
  ifName: string;
  /** CNI_ARGS pairs, written `k=v;k2=v2`. */
  args?: [string, string][];
  /** Capability arguments: each plugin gets, in `runtimeConfig`, those its `capabilities` declare. */
  capabilityArgs?: Record<string, unknown>;
}

/** What one plugin's stdin is built from besides the plugin object itself. */
export interface PluginRequest {
  /** The previous plugin's result (ADD) or the cached final result (CHECK, DEL). */
  prevResult?: Result;
  /** Source of `runtimeConfig` (ADD, CHECK, DEL; never GC or STATUS). */
  rt?: RuntimeConf;
  /** Further top-level keys (GC's `cni.dev/valid-attachments`). */
  inject?: Record<string, unknown>;
}

/**
 * One plugin's stdin: the plugin object with the list's `name` and `cniVersion`, `prevResult` in the
 * list's version, and `runtimeConfig` holding the capability args the plugin declares (`capabilities:
 * {k: true}`). As libcni, `runtimeConfig` is only set when that leaves it non-empty, and
 * `capabilities` is passed through (plugins must tolerate it).
 */
export function pluginStdin(list: NetworkConfigList, plugin: Record<string, unknown>, req: PluginRequest = {}): Buffer {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  if (req.prevResult) conf.prevResult = convertResult(req.prevResult, list.cniVersion);
  if (req.rt) {
    const runtimeConfig = capabilityConfig(plugin, req.rt.capabilityArgs);
    if (Object.keys(runtimeConfig).length > 0) conf.runtimeConfig = runtimeConfig;
  }
  Object.assign(conf, req.inject);
  return Buffer.from(JSON.stringify(conf));
}

/** The capability args a plugin declares, keyed as it declares them. */
export function capabilityConfig(plugin: Record<string, unknown>, args: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const caps = plugin.capabilities as Record<string, unknown> | undefined;
  if (!caps || !args) return out;
  for (const [cap, enabled] of Object.entries(caps)) {
    if (enabled === true && Object.hasOwn(args, cap) && args[cap] !== undefined) out[cap] = args[cap];
  }
  return out;
}

/**
 * The CNI_* variables of one call on top of `base`. All six are always set, empty when the verb has
 * no attachment (GC, STATUS), as libcni's `AsEnv` does.
 */
export function cniEnv(command: string, rt: RuntimeConf | undefined, paths: readonly string[]): Record<string, string> {
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: rt?.containerId ?? '',
    CNI_NETNS: rt?.netns ?? '',
    CNI_ARGS: (rt?.args ?? []).map(([k, v]) => `${k}=${v}`).join(';'),
    CNI_IFNAME: rt?.ifName ?? '',
    CNI_PATH: paths.join(':'),
  };
}

/**
 * libcni's checks before an ADD (we make them before every attachment verb: the values name the cache
 * file): a container ID (code 3 when empty, 4 for bad characters), the network name (7), the interface
 * name (4); and CNI_ARGS pairs that survive the `k=v;k2=v2` encoding.
 * @throws {CniError} or {CniRuntimeError} naming the field
 */
export function validateRuntimeConf(networkName: string, rt: RuntimeConf): void {
  if (rt.containerId === '') throw new CniError(CniCode.UnknownContainer, 'missing containerID');
  validateContainerId(rt.containerId, 'containerId');
  if (!CNI_NAME.test(networkName)) {
    throw new CniError(CniCode.InvalidNetworkConfig, `invalid characters found in network name ${JSON.stringify(networkName)}: must match ${CNI_NAME.source}`);
  }
  validateIfName(rt.ifName, 'ifName');
  if (rt.netns.includes('\0')) throw new CniRuntimeError(`invalid netns ${JSON.stringify(rt.netns)}: contains a NUL byte`);
  for (const [k, v] of rt.args ?? []) {
    if (k === '' || /[=;\0]/.test(k) || /[;\0]/.test(v)) {
      throw new CniRuntimeError(`invalid CNI_ARGS pair ${JSON.stringify([k, v])}: the key must be non-empty without "=" or ";", the value without ";"`);
    }
  }
}
