import type { NlMessage } from '../nl/message';
import { IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_NET_NS_FD, IFLA_TXQLEN } from './constants';
import { encodeIfInfoMsg } from './ifinfomsg';
import type { VethPeerSpec } from './types';

/** IFLA_INFO_DATA attribute of kind "veth" (<linux/veth.h>). */
export const VETH_INFO_PEER = 1;

/**
 * Appends VETH_INFO_PEER: a full ifinfomsg (16 bytes) followed by the peer's own IFLA_* attributes, as
 * if it were a nested RTM_NEWLINK. IFLA_NET_NS_FD here creates the peer directly in that netns, so no
 * thread ever has to switch namespace to put a container's end in place.
 *
 * The kernel reports no IFLA_INFO_DATA for a veth: the peer is read back as IFLA_LINK (+ IFLA_LINK_NETNSID).
 */
export function encodeVethData(m: NlMessage, peer: VethPeerSpec): void {
  m.nest(VETH_INFO_PEER, () => {
    m.raw(encodeIfInfoMsg());
    m.str(IFLA_IFNAME, peer.name);
    if (peer.mtu !== undefined) m.u32(IFLA_MTU, peer.mtu);
    if (peer.hardwareAddr !== undefined) m.mac(IFLA_ADDRESS, peer.hardwareAddr);
    if (peer.txQueueLen !== undefined) m.u32(IFLA_TXQLEN, peer.txQueueLen);
    if (peer.netnsFd !== undefined) m.u32(IFLA_NET_NS_FD, peer.netnsFd);
  });
}
