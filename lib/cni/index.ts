/**
 * The plugin side of the CNI protocol: the dispatcher a plugin's main.ts calls, config loading and
 * validation, CNI_* and CNI_ARGS parsing, results in every spec version, errors, and delegation. The
 * runtime side is a package of its own, lib/cni/runtime, so that the plugins' bundles never carry it.
 */
export { runPlugin, aboutText, type PluginInfo } from './dispatcher';
export { processIO, type PluginIO } from './plugin-io';
export { CniError, CniCode, isCniError, type CniErrorJson } from './errors';
export { toCniError, ERROR_RULE_NAMES } from './to-cni-error';
export { decodeConfig, loadConfig, LOCATING_KEYS, type LoadConfigOptions } from './config';
export { dropInvalid } from './tolerant-validation';
export { validationMessage, validationError, assertValid, formatValue, type ValidationContext } from './validation';
export {
  ENV_VARS,
  CNI_COMMANDS,
  MAX_IFNAME_BYTES,
  parseCommand,
  readCniEnv,
  validateContainerId,
  validateIfName,
  validateNewIfName,
  validateNetnsPath,
  type CniEnv,
  type Env,
  type EnvVarSpec,
} from './env';
export { parseCniArgs, pickCniArgs } from './args';
export {
  ALL_SPEC_VERSIONS,
  CURRENT_VERSION,
  DEFAULT_CONFIG_VERSION,
  MIN_VERSION_FOR,
  parseVersion,
  compareVersions,
  versionAtLeast,
  newestVersion,
  assertSupportedVersion,
  assertVersionAllows,
  versionReply,
  type CniCommand,
  type VersionReply,
} from './version';
export { convertResult, type VersionedResult } from './result-convert';
export {
  formatResultAddresses, parseResultAddresses, resultCidrs, ResultAddressError,
  type ParsedIPConfig, type ParsedResult, type ParsedRoute,
} from './parsed-result';
export { parseResult, type ParseResultContext } from './result-parse';
export { resultFormatOf, ipFamily, type ResultFormat, type Result040, type Result020 } from './result-legacy';
export { isOwnNetns, SELF_NETNS_PATH } from './netns-check';
export { findPlugin } from './find-plugin';
export {
  delegate,
  delegateAdd,
  delegateDel,
  delegateCheck,
  delegateGc,
  delegateStatus,
  type DelegateCommand,
  type DelegateOptions,
} from './delegate';
export type { InProcessPlugin } from './in-process-plugin';
export type * from './types';
export { isBerthPlugin } from './berth-plugin';
export { parseMac } from './parse-mac';
export { FAIL_AFTER_ENV, failPointFor, type FailPoint } from './fail-point';
