import type { NetlinkHandle } from '../handle';
import type { NlMessage } from '../nl/message';
import { RTM_SETLINK } from '../nl/constants';
import { IFF_PROMISC, IFF_UP, IFLA_ADDRESS, IFLA_IFALIAS, IFLA_IFNAME, IFLA_MASTER, IFLA_MTU, IFLA_NET_NS_FD } from './constants';
import type { IfInfoMsg } from './ifinfomsg';
import { checkIfName, describeRef, linkMessage, linkRequest, resolveIndex } from './request';
import type { LinkRef } from './types';

/** RTM_SETLINK on `link` with the given ifinfomsg flags/change and attributes. */
export function linkSetMessage(link: LinkRef, header: Partial<IfInfoMsg>, fill?: (m: NlMessage) => void): NlMessage {
  const m = linkMessage(RTM_SETLINK, link, header);
  fill?.(m);
  return m;
}

async function set(h: NetlinkHandle, link: LinkRef, what: string, header: Partial<IfInfoMsg>, fill?: (m: NlMessage) => void): Promise<void> {
  await linkRequest(h, linkSetMessage(link, header, fill), link, `${describeRef(link)} ${what}`);
}

/** Brings a link up (IFF_UP). iproute2: `ip link set dev LINK up`. @throws {LinkNotFoundError} */
export async function linkSetUp(h: NetlinkHandle, link: LinkRef): Promise<void> {
  await set(h, link, 'up', { flags: IFF_UP, change: IFF_UP });
}

/** Takes a link down. iproute2: `ip link set dev LINK down`. @throws {LinkNotFoundError} */
export async function linkSetDown(h: NetlinkHandle, link: LinkRef): Promise<void> {
  await set(h, link, 'down', { flags: 0, change: IFF_UP });
}

/** Sets the MTU (IFLA_MTU). iproute2: `ip link set dev LINK mtu MTU`. @throws {LinkNotFoundError} */
export async function linkSetMtu(h: NetlinkHandle, link: LinkRef, mtu: number): Promise<void> {
  await set(h, link, `mtu ${mtu}`, {}, (m) => m.u32(IFLA_MTU, mtu));
}

/** Sets the MAC address (IFLA_ADDRESS). iproute2: `ip link set dev LINK address MAC`. @throws {LinkNotFoundError} */
export async function linkSetHardwareAddr(h: NetlinkHandle, link: LinkRef, mac: string): Promise<void> {
  await set(h, link, `address ${mac}`, {}, (m) => m.mac(IFLA_ADDRESS, mac));
}

/**
 * Renames a link. Kernels before 6.2 refuse (EBUSY) while the link is up; 6.18 here renames an up veth.
 * A name `link` is resolved to its index first, since IFLA_IFNAME carries the new name.
 * iproute2: `ip link set dev LINK name NEW`.
 * @throws {LinkNotFoundError}
 */
export async function linkSetName(h: NetlinkHandle, link: LinkRef, name: string): Promise<void> {
  checkIfName(name);
  const index = await resolveIndex(h, link);
  await linkRequest(h, linkSetMessage(index, {}, (m) => m.str(IFLA_IFNAME, name)), link, `${describeRef(link)} name ${JSON.stringify(name)}`);
}

/** Enslaves a link to a bridge (IFLA_MASTER). iproute2: `ip link set dev LINK master MASTER`. @throws {LinkNotFoundError} */
export async function linkSetMaster(h: NetlinkHandle, link: LinkRef, masterIndex: number): Promise<void> {
  await set(h, link, `master index ${masterIndex}`, {}, (m) => m.u32(IFLA_MASTER, masterIndex));
}

/** Releases a link from its master (IFLA_MASTER = 0). iproute2: `ip link set dev LINK nomaster`. @throws {LinkNotFoundError} */
export async function linkSetNoMaster(h: NetlinkHandle, link: LinkRef): Promise<void> {
  await set(h, link, 'nomaster', {}, (m) => m.u32(IFLA_MASTER, 0));
}

/**
 * Moves a link into the netns open on `nsFd` (IFLA_NET_NS_FD); it keeps its name unless that is taken
 * there (EEXIST), and leaves this handle's view. iproute2: `ip link set dev LINK netns NS`.
 * @throws {LinkNotFoundError}
 */
export async function linkSetNetns(h: NetlinkHandle, link: LinkRef, nsFd: number): Promise<void> {
  await set(h, link, `netns fd ${nsFd}`, {}, (m) => m.u32(IFLA_NET_NS_FD, nsFd));
}

/** Turns promiscuous mode on or off (IFF_PROMISC). iproute2: `ip link set dev LINK promisc on|off`. @throws {LinkNotFoundError} */
export async function linkSetPromisc(h: NetlinkHandle, link: LinkRef, on: boolean): Promise<void> {
  await set(h, link, `promisc ${on ? 'on' : 'off'}`, { flags: on ? IFF_PROMISC : 0, change: IFF_PROMISC });
}

/** The longest link alias the kernel keeps: IFALIASZ (256) less the terminating NUL. */
export const MAX_ALIAS_BYTES = 255;

/** Sets a link's alias (IFLA_IFALIAS). iproute2: `ip link set dev LINK alias ALIAS`. @throws {LinkNotFoundError} */
export async function linkSetAlias(h: NetlinkHandle, link: LinkRef, alias: string): Promise<void> {
  if (Buffer.byteLength(alias, 'utf8') > MAX_ALIAS_BYTES || alias.includes('\0')) {
    throw new TypeError(`link alias must be at most ${MAX_ALIAS_BYTES} bytes without NUL (got ${JSON.stringify(alias.slice(0, 40))}...)`);
  }
  await set(h, link, 'alias', {}, (m) => m.str(IFLA_IFALIAS, alias));
}
