/**
 * The conntrack table over NETLINK_NETFILTER (ctnetlink): list the flows of a family and delete them.
 * A flow is deleted by sending back its original-direction tuple as the kernel reported it, as
 * conntrack(8) and vishvananda/netlink's ConntrackDeleteFilters do; no filter needs the kernel's newer
 * CTA_FILTER support. conntrack-tools: `conntrack -L -f ipv4`, `conntrack -D -p udp --dport 53`.
 */
import { NetlinkHandle } from '../handle';
import { hasErrno } from '../../sys';
import { attrList, attrMap, attrBe16, attrU8 } from '../nl/attrs';
import { NlMessage } from '../nl/message';
import { AF_INET, AF_INET6, NLA_F_NESTED, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST } from '../nl/constants';

export const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_CTNETLINK = 1;
/** A flow as the kernel reports it, in a dump as in an event. */
const IPCTNL_MSG_CT_NEW = NFNL_SUBSYS_CTNETLINK << 8;
const IPCTNL_MSG_CT_GET = (NFNL_SUBSYS_CTNETLINK << 8) | 1;
const IPCTNL_MSG_CT_DELETE = (NFNL_SUBSYS_CTNETLINK << 8) | 2;
const NFGENMSG_LEN = 4;
const CTA_TUPLE_ORIG = 1;
const CTA_TUPLE_PROTO = 2;
const CTA_PROTO_NUM = 1;
const CTA_PROTO_DST_PORT = 3;
const CTA_ZONE = 18;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

/** One flow: what filters look at, and the raw attributes that name it to the kernel. */
export interface ConntrackFlow {
  readonly family: typeof AF_INET | typeof AF_INET6;
  /** The original direction's layer-4 protocol and destination port. */
  readonly protocol: number | undefined;
  readonly dstPort: number | undefined;
  /** CTA_TUPLE_ORIG's payload, as received. */
  readonly origTuple: Buffer;
  /** CTA_ZONE, when the flow is in a zone other than the default. */
  readonly zone: Buffer | undefined;
}

/** nfgenmsg: family, version 0, resource id 0. */
const nfgenmsg = (family: number): Buffer => Buffer.from([family, 0, 0, 0]);

/** Opens a ctnetlink handle in the caller's netns. */
export function openConntrack(): NetlinkHandle {
  return NetlinkHandle.open(undefined, NETLINK_NETFILTER);
}

/** Every flow of `family` (AF_INET or AF_INET6). iproute2 has no equivalent; conntrack-tools: `conntrack -L`. */
export async function conntrackList(h: NetlinkHandle, family: typeof AF_INET | typeof AF_INET6): Promise<ConntrackFlow[]> {
  const msg = new NlMessage(IPCTNL_MSG_CT_GET, NLM_F_REQUEST | NLM_F_DUMP).raw(nfgenmsg(family));
  const replies = await h.request(msg, { describe: 'IPCTNL_MSG_CT_GET dump' });
  const flows: ConntrackFlow[] = [];
  for (const r of replies) {
    if (r.type !== IPCTNL_MSG_CT_NEW) continue;
    const attrs = attrMap(r.body, NFGENMSG_LEN);
    const orig = attrs.get(CTA_TUPLE_ORIG);
    if (!orig) continue;
    const proto = attrList(orig).find((a) => a.type === CTA_TUPLE_PROTO)?.data;
    const protoAttrs = proto ? attrMap(proto) : new Map<number, Buffer>();
    flows.push({
      family,
      protocol: attrU8(protoAttrs.get(CTA_PROTO_NUM)),
      dstPort: attrBe16(protoAttrs.get(CTA_PROTO_DST_PORT)),
      origTuple: Buffer.from(orig),
      zone: attrs.get(CTA_ZONE),
    });
  }
  return flows;
}

/** Deletes one flow; a flow that is already gone (ENOENT) is fine. */
export async function conntrackDelete(h: NetlinkHandle, flow: ConntrackFlow): Promise<void> {
  const msg = new NlMessage(IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK).raw(nfgenmsg(flow.family)).attr(CTA_TUPLE_ORIG | NLA_F_NESTED, flow.origTuple);
  if (flow.zone) msg.attr(CTA_ZONE, flow.zone);
  try {
    await h.request(msg, { describe: 'IPCTNL_MSG_CT_DELETE' });
  } catch (err) {
    if (!hasErrno(err, 'ENOENT')) throw err;
  }
}

/**
 * Deletes the flows of `family` whose original destination is `protocol` and one of `ports` (what a new
 * DNAT of those host ports would otherwise not see: packets of an existing flow keep their old
 * translation). One dump, then one delete per matching flow.
 * @returns how many were deleted
 */
export async function conntrackDeleteByDstPorts(h: NetlinkHandle, family: typeof AF_INET | typeof AF_INET6, protocol: number, ports: readonly number[]): Promise<number> {
  const wanted = new Set(ports);
  const doomed = (await conntrackList(h, family)).filter((f) => f.protocol === protocol && f.dstPort !== undefined && wanted.has(f.dstPort));
  for (const flow of doomed) await conntrackDelete(h, flow);
  return doomed.length;
}
