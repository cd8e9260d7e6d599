/**
 * rtnetlink over AF_NETLINK through koffi: a handle bound to a network namespace, and the object API
 * (links, addresses, routes, neighbours and FDB entries), and conntrack over NETLINK_NETFILTER.
 * Callers never see nl/ or the socket.
 *
 * @example
 *   const h = NetlinkHandle.open(netns);            // socket created inside netns
 *   await linkAdd(h, { kind: 'bridge', name: 'br0' });
 *   await linkSetUp(h, (await linkByName(h, 'br0')).index);
 */
export { NetlinkHandle, type RequestOptions } from './handle';
export { NetlinkError, LinkNotFoundError, isLinkNotFound } from './errors';
export * from './link';
export * from './addr';
export * from './route';
export * from './neigh';
export * from './conntrack';
export * from './nftables';
// The few uapi numbers and the reply splitter that callers outside lib/netlink need (address
// families of a dump, event types of a multicast subscription), so nl/ itself stays private.
export { NETLINK_ROUTE, AF_INET, AF_INET6, AF_BRIDGE, RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR } from './nl/constants';
export { splitMessages, type NlReply } from './nl/reply';
