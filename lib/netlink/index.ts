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
