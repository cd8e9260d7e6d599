/**
 * The container's loopback device. CNI_IFNAME is ignored, as the reference ignores it: runtimes pass
 * `lo` or whatever their conflist names, and there is only one loopback in a netns.
 */
import { CniCode, CniError } from '../../lib/cni';
import { isLinkNotFound, linkByName, type Link, type NetlinkHandle } from '../../lib/netlink';

export const LOOPBACK = 'lo';

/**
 * The netns's `lo`.
 * @throws {CniError} 11 (try again later) when the netns has none: a netns always has one, so the
 *   runtime handed us something still being set up or torn down
 */
export async function loopbackLink(h: NetlinkHandle): Promise<Link> {
  try {
    return await linkByName(h, LOOPBACK);
  } catch (err) {
    if (isLinkNotFound(err)) throw new CniError(CniCode.TryAgainLater, 'the network namespace has no loopback device "lo"');
    throw err;
  }
}

/** True for 127.0.0.0/8 and ::1, the only addresses a loopback should carry. */
export function isLoopbackAddress(cidr: string): boolean {
  const ip = cidr.split('/')[0]!;
  return ip.startsWith('127.') || ip === '::1';
}
