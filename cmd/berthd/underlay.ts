import { AF_INET, addrList, isLinkNotFound, linkByIndex, linkByName, routeList, type Link, type NetlinkHandle } from '../../lib/netlink';

/** The node's underlay: where VXLAN packets leave, and the address peers send them to. */
export interface Underlay {
  readonly name: string;
  readonly index: number;
  readonly mtu: number;
  readonly publicIP: string;
}

/**
 * Finds the underlay: the link named `iface`, else the one holding `publicIP`, else the default route's
 * link (flannel's default); the address is `publicIP` or the link's first IPv4 address.
 * @throws {Error} naming what is missing (no such link, no default route, no IPv4 address)
 */
export async function findUnderlay(h: NetlinkHandle, opts: { iface?: string; publicIP?: string }): Promise<Underlay> {
  let link: Link;
  if (opts.iface !== undefined) {
    try {
      link = await linkByName(h, opts.iface);
    } catch (err) {
      if (isLinkNotFound(err)) throw new Error(`--iface ${opts.iface}: no such link`, { cause: err });
      throw err;
    }
  } else if (opts.publicIP !== undefined) {
    const a = (await addrList(h, { family: AF_INET })).find((x) => x.local === opts.publicIP || x.cidr.split('/')[0] === opts.publicIP);
    if (!a) throw new Error(`--public-ip ${opts.publicIP}: no link has this address`);
    link = await linkByIndex(h, a.index);
  } else {
    const def = (await routeList(h, { family: AF_INET })).find((r) => r.dst === 'default' && r.index !== undefined);
    if (!def || def.index === undefined) throw new Error('no default route: name the underlay with --iface or --public-ip');
    link = await linkByIndex(h, def.index);
  }
  let publicIP = opts.publicIP;
  if (publicIP === undefined) {
    const a = (await addrList(h, { index: link.index, family: AF_INET }))[0];
    if (!a) throw new Error(`underlay ${link.name} has no IPv4 address: give --public-ip`);
    publicIP = a.local ?? a.cidr.split('/')[0]!;
  }
  return { name: link.name, index: link.index, mtu: link.mtu, publicIP };
}
