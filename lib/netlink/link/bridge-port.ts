import type { NetlinkHandle } from '../handle';
import { NlMessage } from '../nl/message';
import { attrMap, attrStr, attrU8, attrU16, attrU32 } from '../nl/attrs';
import { AF_BRIDGE, NLM_F_ACK, NLM_F_REQUEST, RTM_SETLINK } from '../nl/constants';
import { IFINFOMSG_LEN, IFLA_INFO_SLAVE_DATA, IFLA_INFO_SLAVE_KIND, IFLA_LINKINFO, IFLA_PROTINFO } from './constants';
import { encodeIfInfoMsg } from './ifinfomsg';
import { describeRef, getLinkReply, linkRequest, resolveIndex } from './request';
import type { BridgePortInfo, LinkRef } from './types';
import { prune } from './prune';

/** Bridge port attributes, in IFLA_PROTINFO (AF_BRIDGE) and IFLA_INFO_SLAVE_DATA (<linux/if_link.h>). */
export const IFLA_BRPORT_STATE = 1;
export const IFLA_BRPORT_PRIORITY = 2;
export const IFLA_BRPORT_COST = 3;
export const IFLA_BRPORT_MODE = 4;
export const IFLA_BRPORT_GUARD = 5;
export const IFLA_BRPORT_PROTECT = 6;
export const IFLA_BRPORT_FAST_LEAVE = 7;
export const IFLA_BRPORT_LEARNING = 8;
export const IFLA_BRPORT_UNICAST_FLOOD = 9;
export const IFLA_BRPORT_PROXYARP = 10;
export const IFLA_BRPORT_MCAST_FLOOD = 27;
export const IFLA_BRPORT_BCAST_FLOOD = 30;
export const IFLA_BRPORT_NEIGH_SUPPRESS = 32;
export const IFLA_BRPORT_ISOLATED = 33;

/** IFLA_BRPORT_MODE values. */
export const BRIDGE_MODE_UNSPEC = 0;
export const BRIDGE_MODE_HAIRPIN = 1;

/** The boolean port flags, each a u8 attribute, in attribute order. */
const FLAGS: ReadonlyArray<readonly [keyof BridgePortInfo, number]> = [
  ['hairpin', IFLA_BRPORT_MODE], ['guard', IFLA_BRPORT_GUARD], ['rootBlock', IFLA_BRPORT_PROTECT],
  ['fastLeave', IFLA_BRPORT_FAST_LEAVE], ['learning', IFLA_BRPORT_LEARNING], ['unicastFlood', IFLA_BRPORT_UNICAST_FLOOD],
  ['proxyArp', IFLA_BRPORT_PROXYARP], ['mcastFlood', IFLA_BRPORT_MCAST_FLOOD], ['bcastFlood', IFLA_BRPORT_BCAST_FLOOD],
  ['neighSuppress', IFLA_BRPORT_NEIGH_SUPPRESS], ['isolated', IFLA_BRPORT_ISOLATED],
];

/** Settings `bridgePortSet` can change: the boolean port flags. */
export type BridgePortFlags = Pick<BridgePortInfo, 'hairpin' | 'guard' | 'rootBlock' | 'fastLeave' | 'learning'
  | 'unicastFlood' | 'proxyArp' | 'mcastFlood' | 'bcastFlood' | 'neighSuppress' | 'isolated'>;

/** Decodes IFLA_BRPORT_* attributes (the payload of IFLA_PROTINFO or of a bridge slave's IFLA_INFO_SLAVE_DATA). */
export function decodeBridgePort(data: Buffer): BridgePortInfo {
  const a = attrMap(data);
  const info: BridgePortInfo = {
    state: attrU8(a.get(IFLA_BRPORT_STATE)),
    priority: attrU16(a.get(IFLA_BRPORT_PRIORITY)),
    cost: attrU32(a.get(IFLA_BRPORT_COST)),
  };
  for (const [key, type] of FLAGS) {
    const v = attrU8(a.get(type));
    (info as Record<string, unknown>)[key] = v === undefined ? undefined : v !== 0;
  }
  return prune(info);
}

/**
 * The RTM_SETLINK (family AF_BRIDGE) that sets port flags: IFLA_PROTINFO must carry NLA_F_NESTED, or
 * br_setlink reads it as the old one-byte STP state instead of IFLA_BRPORT_* attributes.
 */
export function bridgePortSetMessage(index: number, flags: BridgePortFlags): NlMessage {
  const m = new NlMessage(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK).raw(encodeIfInfoMsg({ family: AF_BRIDGE, index }));
  return m.nest(IFLA_PROTINFO, () => {
    for (const [key, type] of FLAGS) {
      const v = flags[key as keyof BridgePortFlags];
      if (v === undefined) continue;
      m.u8(type, key === 'hairpin' ? (v ? BRIDGE_MODE_HAIRPIN : BRIDGE_MODE_UNSPEC) : v ? 1 : 0);
    }
  }, true);
}

/**
 * Sets bridge port flags (hairpin, isolated, learning, ...) on a link enslaved to a bridge.
 * iproute2: `bridge link set dev LINK hairpin on isolated on learning off`.
 */
export async function bridgePortSet(h: NetlinkHandle, link: LinkRef, flags: BridgePortFlags): Promise<void> {
  const index = await resolveIndex(h, link);
  await linkRequest(h, bridgePortSetMessage(index, flags), link, `${describeRef(link)} bridge port flags`);
}

/**
 * Reads a link's bridge port settings back from IFLA_INFO_SLAVE_DATA; undefined when the link is not
 * enslaved to a bridge. iproute2: `ip -d link show dev LINK` (the bridge_slave part), `bridge -d link show`.
 */
export async function bridgePortGet(h: NetlinkHandle, link: LinkRef): Promise<BridgePortInfo | undefined> {
  const reply = await getLinkReply(h, link);
  const linkinfo = attrMap(reply.body, IFINFOMSG_LEN).get(IFLA_LINKINFO);
  if (!linkinfo) return undefined;
  const info = attrMap(linkinfo);
  const data = info.get(IFLA_INFO_SLAVE_DATA);
  return attrStr(info.get(IFLA_INFO_SLAVE_KIND)) === 'bridge' && data ? decodeBridgePort(data) : undefined;
}
