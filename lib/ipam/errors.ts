import { CniError, CniCode, formatValue } from '../cni';
import { isUnusablePath } from '../sys';

/**
 * host-local's own error codes (>= 100, documented in plugins/host-local-ipam/README.md). A plugin
 * that runs the allocator in-process passes them through unchanged, so they mean the same thing
 * whichever binary reports them.
 */
export const IpamCode = {
  /** A range set has no free address left. */
  PoolExhausted: 100,
  /** A requested address is taken, is a gateway, is excluded, or lies in no range set. */
  AddressUnavailable: 101,
  /** The attachment already holds an address in this range set (ADD twice without DEL). */
  DuplicateAllocation: 102,
  /** CHECK: the attachment holds no lease, or not the one prevResult names. */
  LeaseNotFound: 103,
} as const;

/**
 * Invalid configuration (code 7), worded like lib/cni's schema errors: `invalid config: <JSON pointer
 * of the field>: <what is wrong>`.
 */
export function configError(field: string, msg: string): CniError {
  return new CniError(CniCode.InvalidNetworkConfig, `invalid config: ${field}: ${msg}`);
}

/** A store operation failed (code 5), wrapping the system error. */
export function ioError(what: string, cause: unknown): CniError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new CniError(CniCode.IoFailure, `${what}: ${detail}`, { cause });
}

/**
 * The store under `dataDir` could not be created, opened or locked. When retrying cannot help (the
 * errno says the path is wrong for a store: procfs, sysfs, read-only, not a directory, no flock) it is
 * the config's fault: code 7 naming `ipam.dataDir`, with the errno and its meaning. Otherwise code 5.
 */
export function dataDirError(dataDir: string, what: string, cause: unknown): CniError {
  if (!isUnusablePath(cause)) return ioError(what, cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new CniError(CniCode.InvalidNetworkConfig, `invalid config: /ipam/dataDir: ${formatValue(dataDir)} cannot hold the lease store: ${what}: ${detail}`, { cause });
}

/** A rejected value as messages show it: JSON, escaped (a NUL is `\u0000`), cut when long. */
export { formatValue as show } from '../cni';
