/**
 * The bridge plugin's error codes (>= 110, documented in README.md; 100-103 are host-local's, which
 * pass through unchanged when the IPAM runs in-process) and the one table that turns lib/iface's
 * domain errors into them. Only this boundary picks codes.
 */
import { CniCode, CniError } from '../../lib/cni';
import { isRetryable } from '../../lib/util';
import type { BridgeConfig } from './config';

/** Codes this plugin reports for conditions it can name. */
export const BridgeCode = {
  /** CNI_IFNAME already exists in the container (the spec says ADD must fail). */
  InterfaceExists: 110,
  /** The `bridge` name belongs to a link that is not a bridge. */
  NotABridge: 111,
  /** The bridge has a different gateway address and `forceAddress` is off. */
  AddressConflict: 112,
  /** The host veth did not come up as a bridge port in time. */
  PortDown: 113,
  /** CHECK found the attachment different from prevResult (or missing). */
  CheckFailed: 114,
  /** The IPAM plugin returned no address. */
  NoAddress: 115,
  /** iptables-restore or nft refused the masquerade or spoof-check rules (not lock contention: that is 11). */
  FirewallFailed: 117,
  /** The kernel refused an address or route of the IPAM result in the container. */
  IfaceConfigFailed: 118,
} as const;

/** Error class names (lib/iface) and the code each becomes; matched by name so bundle copies agree. */
const BY_NAME: Record<string, number> = {
  // A route of the IPAM result the interface cannot reach: the config's (or the IPAM's) fault.
  UnreachableGatewayError: CniCode.InvalidNetworkConfig,
  // An MTU below 1280 with an IPv6 address: the kernel drops the device's IPv6 configuration.
  Ipv6MtuError: CniCode.InvalidNetworkConfig,
  FirewallError: BridgeCode.FirewallFailed,
  IfaceConfigError: BridgeCode.IfaceConfigFailed,
  InterfaceExistsError: BridgeCode.InterfaceExists,
  NotABridgeError: BridgeCode.NotABridge,
  AddressConflictError: BridgeCode.AddressConflict,
  PortDownError: BridgeCode.PortDown,
};

/**
 * The CniError to report for `err`, or `err` itself for the dispatcher's table (which keeps CniErrors
 * and maps everything else). A kernel without bridge VLAN filtering is code 2, "unsupported field",
 * naming the key that asked for it: the config is valid, this host cannot honour it.
 */
export function toBridgeError(err: unknown, conf: BridgeConfig): unknown {
  if (!(err instanceof Error)) return err;
  if (err.name === 'BridgeVlanUnsupportedError') return vlanUnsupported(conf, err);
  const code = BY_NAME[err.name];
  // Contention that goes away by itself stays the dispatcher's 11 (try again).
  return code === undefined || isRetryable(err) ? err : new CniError(code, err.message, { cause: err });
}

/** Code 2 naming `vlan` or `vlanTrunk` and its value. */
export function vlanUnsupported(conf: BridgeConfig, cause?: unknown): CniError {
  const key = conf.vlan !== 0 ? `vlan ${conf.vlan}` : `vlanTrunk [${conf.vlans.join(',')}]`;
  return new CniError(CniCode.UnsupportedField, `${key}: this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING is off), so VLANs cannot be used on bridge ${JSON.stringify(conf.bridge)}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A CHECK failure (code 114). */
export function checkFailed(msg: string): CniError {
  return new CniError(BridgeCode.CheckFailed, msg);
}
