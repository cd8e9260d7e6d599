import type { NetlinkHandle } from '../handle';
import { NlMessage } from '../nl/message';
import { NLM_F_DUMP, NLM_F_REQUEST, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK } from '../nl/constants';
import { NetlinkError } from '../errors';
import { decodeLink, encodeLinkAdd } from './codec';
import { encodeIfInfoMsg } from './ifinfomsg';
import { getLinkReply, linkMessage, linkRequest } from './request';
import { BridgeVlanUnsupportedError } from './bridge-vlan';
import type { Link, LinkRef, LinkSpec } from './types';

/**
 * Creates a link. Exclusive: an existing name fails with a NetlinkError whose `code` is 'EEXIST'
 * (`ensure` helpers, which tolerate it, belong to the callers). A veth peer with `peer.netnsFd` and any
 * link with `netnsFd` are created straight in that netns. Returns nothing: read the link back with
 * `linkByName` (in the netns it was created in) when its index or kernel defaults are needed.
 * iproute2: `ip link add NAME [mtu M] [address MAC] [master M] [netns NS] type KIND ...`, e.g.
 * `ip link add veth0 type veth peer name eth0 netns NS`, `ip link add mv0 link eth0 type macvlan mode bridge`,
 * `ip link add vx0 type vxlan id 1 local 10.0.0.1 dstport 4789 dev eth0 nolearning`.
 * @throws {NetlinkError} EEXIST for a duplicate name or VNI; EOPNOTSUPP for an unknown kind
 * @throws {BridgeVlanUnsupportedError} a bridge with `vlanFiltering` on a kernel without VLAN filtering
 */
export async function linkAdd(h: NetlinkHandle, spec: LinkSpec): Promise<void> {
  const msg = encodeLinkAdd(spec);
  try {
    await h.request(msg, { describe: `RTM_NEWLINK ${JSON.stringify(spec.name)} type ${spec.kind}` });
  } catch (err) {
    if (spec.kind === 'bridge' && spec.bridge?.vlanFiltering && err instanceof NetlinkError && err.code === 'EOPNOTSUPP') {
      throw new BridgeVlanUnsupportedError(err);
    }
    throw err;
  }
}

/**
 * The link named `name`. iproute2: `ip -d link show dev NAME`.
 * @throws {LinkNotFoundError} no such link in the handle's netns
 */
export async function linkByName(h: NetlinkHandle, name: string): Promise<Link> {
  return decodeLink((await getLinkReply(h, name)).body);
}

/**
 * The link with ifindex `index`. iproute2: `ip -d link show` filtered on the index.
 * @throws {LinkNotFoundError} no such link in the handle's netns
 */
export async function linkByIndex(h: NetlinkHandle, index: number): Promise<Link> {
  return decodeLink((await getLinkReply(h, index)).body);
}

/** Every link in the handle's netns, in ifindex order. iproute2: `ip -d link show`. */
export async function linkList(h: NetlinkHandle): Promise<Link[]> {
  const msg = new NlMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP).raw(encodeIfInfoMsg());
  const replies = await h.request(msg, { describe: 'RTM_GETLINK dump' });
  return replies.filter((r) => r.type === RTM_NEWLINK).map((r) => decodeLink(r.body));
}

/**
 * Deletes a link (a veth takes its peer with it, wherever the peer is). The kernel holds RTM_DELLINK in
 * send() for tens of milliseconds (it waits for RCU), so it is sent off the main thread.
 * iproute2: `ip link del dev LINK`.
 * @throws {LinkNotFoundError} no such link (DEL paths treat it as done)
 */
export async function linkDel(h: NetlinkHandle, link: LinkRef): Promise<void> {
  await linkRequest(h, linkMessage(RTM_DELLINK, link), link, undefined, true);
}
