import type { NetlinkHandle } from '../handle';
import { NlMessage } from '../nl/message';
import type { NlReply } from '../nl/reply';
import { NLM_F_ACK, NLM_F_REQUEST, RTM_GETLINK, RTM_NAMES } from '../nl/constants';
import { LinkNotFoundError, NetlinkError } from '../errors';
import { IFLA_IFNAME, IFNAME_MAX } from './constants';
import { decodeIfInfoMsg, encodeIfInfoMsg, type IfInfoMsg } from './ifinfomsg';
import type { LinkRef } from './types';

/** Checks an interface name the way the kernel will (dev_valid_name), so a bad one fails with its reason. */
export function checkIfName(name: string): string {
  if (name === '' || Buffer.byteLength(name) > IFNAME_MAX || name === '.' || name === '..' || /[/:\s\0]/.test(name)) {
    throw new TypeError(`invalid interface name ${JSON.stringify(name)} (1-${IFNAME_MAX} bytes, no '/', ':' or spaces)`);
  }
  return name;
}

/** `"eth0"` or `index 4`, for error messages. */
export function describeRef(ref: LinkRef): string {
  if (typeof ref === 'string') return JSON.stringify(ref);
  return `index ${typeof ref === 'number' ? ref : ref.index}`;
}

/**
 * Starts an RTM_*LINK request addressed to `ref`: an index goes in ifinfomsg, a name in IFLA_IFNAME with
 * index 0 (the kernel looks it up: rtnl_getlink, rtnl_setlink, rtnl_dellink and rtnl_newlink all do).
 */
export function linkMessage(type: number, ref: LinkRef, header: Partial<IfInfoMsg> = {}, flags = NLM_F_REQUEST | NLM_F_ACK): NlMessage {
  const m = new NlMessage(type, flags);
  if (typeof ref === 'string') {
    m.raw(encodeIfInfoMsg({ ...header, index: 0 }));
    m.str(IFLA_IFNAME, checkIfName(ref));
  } else {
    m.raw(encodeIfInfoMsg({ ...header, index: typeof ref === 'number' ? ref : ref.index }));
  }
  return m;
}

/**
 * Sends a request about one link; ENODEV (no such link) becomes a LinkNotFoundError, so callers (DEL
 * paths) can test `isLinkNotFound(err)`.
 */
export async function linkRequest(
  h: NetlinkHandle, msg: NlMessage, ref: LinkRef, what?: string, slow = false,
): Promise<NlReply[]> {
  const describe = `${RTM_NAMES[msg.type] ?? msg.type} ${what ?? describeRef(ref)}`;
  try {
    return await h.request(msg, { describe, slow });
  } catch (err) {
    if (err instanceof NetlinkError && err.code === 'ENODEV') throw new LinkNotFoundError(typeof ref === 'object' ? ref.index : ref, { cause: err });
    throw err;
  }
}

/** RTM_GETLINK for one link: its RTM_NEWLINK reply. */
export async function getLinkReply(h: NetlinkHandle, ref: LinkRef): Promise<NlReply> {
  const [reply] = await linkRequest(h, linkMessage(RTM_GETLINK, ref), ref);
  if (!reply) throw new LinkNotFoundError(typeof ref === 'object' ? ref.index : ref);
  return reply;
}

/** The ifindex of `ref`; a name costs one RTM_GETLINK (for requests the kernel only addresses by index). */
export async function resolveIndex(h: NetlinkHandle, ref: LinkRef): Promise<number> {
  if (typeof ref === 'number') return ref;
  if (typeof ref === 'object') return ref.index;
  return decodeIfInfoMsg((await getLinkReply(h, ref)).body).index;
}
