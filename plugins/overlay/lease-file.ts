/**
 * The node lease berthd writes for this plugin (lib/overlay/lease-file), read with CNI errors: no file
 * is code 11 (try again later), a file that cannot be read or is invalid is code 120.
 */
import { LeaseFileError, readLeaseFile as readLeaseFileIfAny, type NodeLeaseFile } from '../../lib/overlay';
import { invalidLease, noLease } from './errors';

export { leaseExpired } from '../../lib/overlay';

/**
 * Reads the lease file of `network`.
 * @throws {CniError} 11 when it does not exist (berthd has not leased a subnet, or has left the
 *   network), 120 when it cannot be read or is invalid
 */
export function readLeaseFile(file: string, network: string): NodeLeaseFile {
  let lease: NodeLeaseFile | undefined;
  try {
    lease = readLeaseFileIfAny(file, network);
  } catch (err) {
    if (err instanceof LeaseFileError) throw invalidLease(file, err.message, err.cause);
    throw err;
  }
  if (lease === undefined) throw noLease(network, file, 'no');
  return lease;
}
