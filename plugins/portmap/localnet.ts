/**
 * `route_localnet` on the host interface that leads to the container, so that a DNAT of a packet from
 * 127.0.0.1 (the host's own `curl localhost:<hostPort>`) may leave towards the container: without it
 * the kernel drops martian 127/8 sources on a non-loopback device. The reference does the same, and
 * (like the reference) never turns it off again: other containers behind the interface rely on it.
 */
import { NetlinkHandle, linkByIndex, routeGet } from '../../lib/netlink';
import { writeSysctls } from '../../lib/iface';
import { formatIP, type IP } from '../../lib/ip';

/** Enables route_localnet on the interface the host routes `containerIP` through; none (no route) is fine. */
export async function enableLocalnetRouting(containerIP: IP): Promise<void> {
  const h = NetlinkHandle.open();
  try {
    const route = await routeGet(h, formatIP(containerIP)).catch(() => undefined);
    if (route?.index === undefined) return;
    const link = await linkByIndex(h, route.index);
    writeSysctls(undefined, [{ key: `net/ipv4/conf/${link.name}/route_localnet`, value: '1', ifDifferent: true }]);
  } finally {
    h.close();
  }
}
