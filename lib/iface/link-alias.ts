/**
 * Tagging a host-side link with the attachment it belongs to (IFLA_IFALIAS, `ip link set alias`), so
 * that DEL and GC can find and verify a container's host veth with no netns and no prevResult.
 */
import type { LinkRef, NetlinkHandle } from '../netlink';
import { IFLA_IFALIAS } from '../netlink/link/constants';
import { linkSetMessage } from '../netlink/link/link-set';
import { describeRef, linkRequest } from '../netlink/link/request';

/** IFALIASZ less the terminating NUL. */
const MAX_ALIAS_BYTES = 255;
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

/** Sets a link's alias. iproute2: `ip link set dev LINK alias ALIAS`. @throws {LinkNotFoundError} */
export async function linkSetAlias(h: NetlinkHandle, link: LinkRef, alias: string): Promise<void> {
  if (Buffer.byteLength(alias, 'utf8') > MAX_ALIAS_BYTES || alias.includes('\0')) {
    throw new TypeError(`link alias must be at most ${MAX_ALIAS_BYTES} bytes without NUL (got ${JSON.stringify(alias.slice(0, 40))}...)`);
  }
  const msg = linkSetMessage(link, {}, (m) => m.str(IFLA_IFALIAS, alias));
  await linkRequest(h, msg, link, `${describeRef(link)} alias`);
}
