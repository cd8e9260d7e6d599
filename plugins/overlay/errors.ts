/**
 * The overlay plugin's own codes (>= 120, documented in README.md). The delegate's codes pass through
 * unchanged: host-local's 100-103 and bridge's 110-115.
 */
import { CniCode, CniError, formatValue } from '../../lib/cni';
import { isRetryable } from '../../lib/util';
import { isUnusablePath } from '../../lib/sys';

/** Codes this plugin reports for conditions it can name. */
export const OverlayCode = {
  /** CHECK found the attachment different from what ADD made (the bridge plugin's code). */
  CheckFailed: 114,
  /** The lease file exists but cannot be read or is not a NodeLeaseFile for this network. */
  InvalidLeaseFile: 120,
  /** ADD of an attachment that has a stored config already (live, or a failed ADD not yet DELeted). */
  AlreadyAttached: 121,
  /** iptables-restore or nft refused the masquerade rules (the bridge plugin's code; contention is 11). */
  FirewallFailed: 117,
} as const;

/** The CniError for a failed firewall command (117), or `err` itself for the dispatcher's table. */
export function toOverlayError(err: unknown): unknown {
  if (!(err instanceof Error) || err.name !== 'FirewallError' || isRetryable(err)) return err;
  return new CniError(OverlayCode.FirewallFailed, err.message, { cause: err });
}

/** Code 11: berthd holds no lease (yet, or any more) for the network. */
export function noLease(network: string, file: string, why: string): CniError {
  return new CniError(CniCode.TryAgainLater, `try again later: berthd holds no lease for network ${JSON.stringify(network)} (${why} ${file})`);
}

/** Code 120 naming the lease file and what is wrong with it. */
export function invalidLease(file: string, msg: string, cause?: unknown): CniError {
  return new CniError(OverlayCode.InvalidLeaseFile, `invalid lease file ${file}: ${msg}`, cause === undefined ? {} : { cause });
}

/** Code 121: ADD found a stored config for the attachment; it must be DELeted first. */
export function alreadyAttached(network: string, containerID: string, ifName: string, file: string): CniError {
  return new CniError(
    OverlayCode.AlreadyAttached,
    `container ${containerID} is already attached to network ${JSON.stringify(network)} as ${ifName} (${file} exists): DEL it first`,
  );
}

/** A CHECK failure (code 114). */
export function checkFailed(msg: string): CniError {
  return new CniError(OverlayCode.CheckFailed, msg);
}

/**
 * ADD could not store the attachment's config under `dataDir`: code 7 naming `/dataDir` when the errno
 * says that path can never hold it (procfs, sysfs, read-only, a file in the way), else code 5. Either
 * way at once: no retry can help.
 */
export function scratchFailed(dataDir: string, file: string, cause: unknown): CniError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (isUnusablePath(cause)) {
    return new CniError(CniCode.InvalidNetworkConfig, `invalid config: /dataDir: ${formatValue(dataDir)} cannot hold the attachment configs: failed to write ${file}: ${detail}`, { cause });
  }
  return new CniError(CniCode.IoFailure, `failed to write ${file}: ${detail}`, { cause });
}
