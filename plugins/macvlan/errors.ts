/**
 * The macvlan plugin's error codes and the one table that turns its domain errors into CNI errors.
 * Codes >= 110 are this plugin's (README.md); they mean what the bridge plugin's codes of the same
 * number mean. host-local's 100-103 pass through unchanged when the IPAM runs in-process.
 */
import { CniCode, CniError } from '../../lib/cni';
import { isMasterMissing, isMasterUnusable } from './master';

/** Codes this plugin reports for conditions it can name. */
export const MacvlanCode = {
  /** CNI_IFNAME already exists in the container (the spec says ADD must fail). */
  InterfaceExists: 110,
  /** CHECK found the attachment different from prevResult (or missing). */
  CheckFailed: 114,
  /** The IPAM plugin returned no address. */
  NoAddress: 115,
  /** The requested MAC is already used by another macvlan on the same master. */
  MacInUse: 116,
  /** The kernel refused an address or route of the IPAM result (the bridge plugin's code). */
  IfaceConfigFailed: 118,
} as const;

/** Error class names (link.ts) and the code each becomes; matched by name so bundle copies agree. */
const BY_NAME: Record<string, number> = {
  // A route of the IPAM result the interface cannot reach: the config's (or the IPAM's) fault.
  UnreachableGatewayError: CniCode.InvalidNetworkConfig,
  // An MTU below 1280 with an IPv6 address: the kernel drops the device's IPv6 configuration.
  Ipv6MtuError: CniCode.InvalidNetworkConfig,
  InterfaceExistsError: MacvlanCode.InterfaceExists,
  MacInUseError: MacvlanCode.MacInUse,
  IfaceConfigError: MacvlanCode.IfaceConfigFailed,
};

/**
 * The CniError to report for `err` in `verb`, or `err` itself for the dispatcher's table. A missing
 * master is the config's fault at ADD (7, naming `/master`), an unhealthy attachment at CHECK (114),
 * and "cannot serve ADD" at STATUS (50). A master that cannot carry a macvlan (lo) is the config's
 * fault at ADD and CHECK (7) and 50 at STATUS.
 */
export function toMacvlanError(err: unknown, verb: 'ADD' | 'CHECK' | 'STATUS'): unknown {
  if (!(err instanceof Error)) return err;
  if (isMasterUnusable(err)) {
    if (verb === 'STATUS') return new CniError(CniCode.PluginNotAvailable, err.message, { cause: err });
    return new CniError(CniCode.InvalidNetworkConfig, `invalid config: /master: ${err.message}`, { cause: err });
  }
  if (isMasterMissing(err)) {
    if (verb === 'ADD') return new CniError(CniCode.InvalidNetworkConfig, `invalid config: /master: ${err.message}`, { cause: err });
    return new CniError(verb === 'CHECK' ? MacvlanCode.CheckFailed : CniCode.PluginNotAvailable, err.message, { cause: err });
  }
  const code = BY_NAME[err.name];
  return code === undefined ? err : new CniError(code, err.message, { cause: err });
}

/** A CHECK failure (code 114). */
export function checkFailed(msg: string): CniError {
  return new CniError(MacvlanCode.CheckFailed, msg);
}
