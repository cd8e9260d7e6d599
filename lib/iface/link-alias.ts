/**
 * The alias that tags a host-side link with the attachment it belongs to (set with lib/netlink's
 * `linkSetAlias`), so that DEL and GC can find and verify a container's host veth with no netns and
 * no prevResult.
 */
import { MAX_ALIAS_BYTES } from '../netlink';

const PREFIX = 'cni ';

/**
 * The alias naming one attachment: `cni <network> <containerID> <ifname>`. CNI names and IDs hold no
 * spaces, so the form is unambiguous; one too long for the kernel is replaced by a hash of itself.
 */
export function attachmentAlias(network: string, containerId: string, ifName: string): string {
  const full = `${PREFIX}${network} ${containerId} ${ifName}`;
  if (Buffer.byteLength(full, 'utf8') <= MAX_ALIAS_BYTES) return full;
  // Loaded only here: node:crypto costs start-up time that the usual short alias does not need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  return `${PREFIX}sha256 ${createHash('sha256').update(full).digest('hex')}`;
}
