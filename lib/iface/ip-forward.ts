/** IP forwarding, which a gateway bridge needs so that containers reach beyond it. */
import type { Netns } from '../netns';
import { writeSysctls, type SysctlWrite } from './sysctl';

/** The sysctl that turns forwarding on, per family (IPv6's `all` switch also covers new interfaces). */
export const IP_FORWARD_KEYS = { 4: 'net/ipv4/ip_forward', 6: 'net/ipv6/conf/all/forwarding' } as const;

/**
 * Turns on forwarding for each family in `families` inside `ns` (the calling thread's netns when
 * undefined), writing only where it is off, as the reference's `EnableIP4Forward` does: writing
 * net/ipv6/conf/all/forwarding resets per-interface settings such as accept_ra, so a value already 1
 * is left alone. Forwarding is never turned off again (other networks may rely on it).
 * @throws {SysctlError} a write failed (e.g. IPv6 is disabled in this netns)
 */
export function enableIpForward(families: Iterable<4 | 6>, ns?: Netns): void {
  const writes: SysctlWrite[] = [...new Set(families)].map((f) => ({ key: IP_FORWARD_KEYS[f], value: '1', ifDifferent: true }));
  if (writes.length > 0) writeSysctls(ns, writes);
}
