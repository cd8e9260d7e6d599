/** The gateway address of a bridge (the reference's `ensureAddr`), safe against parallel ADDs. */
import { AF_INET, AF_INET6, NetlinkError, addrAdd, addrDel, addrList, linkByIndex, linkSetHardwareAddr, type Link, type NetlinkHandle } from '../netlink';
import { formatCidr, networkOf, parseCidr, type Cidr } from '../ip';

/** The bridge has another address where the gateway should go. The message is the reference's. */
export class AddressConflictError extends Error {
  readonly linkName: string;
  readonly existing: string;
  constructor(linkName: string, wanted: string, existing: string) {
    super(`${JSON.stringify(linkName)} already has an IP address different from ${wanted} (it has ${existing}; set forceAddress to replace it)`);
    this.name = 'AddressConflictError';
    this.linkName = linkName;
    this.existing = existing;
  }
}

/** What ensureGateway changed, for callers that report or undo it. */
export interface GatewayOutcome {
  /** The address was added by this call (false: it was there already, or a parallel ADD added it). */
  added: boolean;
  /** Addresses removed because of forceAddress. */
  removed: string[];
}

/**
 * Makes `want` (the gateway and the container subnet's prefix length, e.g. `10.1.0.1/24`) an address
 * of `link`. Already there: nothing to do. Any other IPv4 address, or an IPv6 address whose subnet
 * overlaps, conflicts: with `forceAddress` it is removed, else the call fails. Non-overlapping IPv6
 * addresses coexist. EEXIST from the add is a parallel ADD that got there first, and is success.
 * After adding, the bridge's MAC is pinned to its current value: an unpinned bridge takes the lowest
 * MAC of its ports, which would change under the containers' ARP caches as ports come and go. (A
 * bridge without ports may have no MAC yet; it is pinned by the first ADD that finds one.)
 * @throws {AddressConflictError} a conflicting address and no forceAddress
 */
export async function ensureGateway(h: NetlinkHandle, link: Link, want: Cidr, opts: { forceAddress?: boolean } = {}): Promise<GatewayOutcome> {
  const wanted = formatCidr(want);
  const family = want.ip.family === 4 ? AF_INET : AF_INET6;
  const removed: string[] = [];
  for (const a of await addrList(h, { index: link.index, family })) {
    const have = parseCidr(a.cidr);
    if (!have) continue;
    if (formatCidr(have) === wanted) return { added: false, removed };
    if (want.ip.family === 6 && !overlaps(have, want)) continue;
    // An IPv6 link-local address never overlaps a container subnet, so it is never touched here.
    if (!opts.forceAddress) throw new AddressConflictError(link.name, wanted, formatCidr(have));
    try {
      await addrDel(h, link.index, a.cidr);
      removed.push(a.cidr);
    } catch (err) {
      // A parallel ADD with forceAddress removed it first.
      if (!(err instanceof NetlinkError) || err.code !== 'EADDRNOTAVAIL') throw err;
    }
  }
  let added = true;
  try {
    await addrAdd(h, link.index, { cidr: wanted });
  } catch (err) {
    if (!(err instanceof NetlinkError) || err.code !== 'EEXIST') throw err;
    added = false;
  }
  // Read again: a bridge made without an address has none (00:00:...) until its first port lends it one.
  const mac = (await linkByIndex(h, link.index)).hardwareAddr;
  if (mac && mac !== '00:00:00:00:00:00') await linkSetHardwareAddr(h, link.index, mac);
  return { added, removed };
}

/** True when either subnet contains the other's address (the reference's IPv6 overlap test). */
function overlaps(a: Cidr, b: Cidr): boolean {
  const contains = (net: Cidr, ip: Cidr): boolean => networkOf({ ip: ip.ip, prefix: net.prefix }) === networkOf(net);
  return contains(a, b) || contains(b, a);
}
