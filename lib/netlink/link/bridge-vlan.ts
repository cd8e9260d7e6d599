import type { NetlinkHandle } from '../handle';
import { NlMessage } from '../nl/message';
import { attrList, attrMap, attrStr, attrU32 } from '../nl/attrs';
import { AF_BRIDGE, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK, RTM_SETLINK } from '../nl/constants';
import { NetlinkError } from '../errors';
import { IFINFOMSG_LEN, IFLA_AF_SPEC, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_MASTER, RTEXT_FILTER_BRVLAN } from './constants';
import { decodeIfInfoMsg, encodeIfInfoMsg } from './ifinfomsg';
import { getLinkReply, describeRef, linkRequest, resolveIndex } from './request';
import { decodeLink } from './codec';
import type { LinkRef } from './types';

/** Children of IFLA_AF_SPEC in AF_BRIDGE messages (<linux/if_bridge.h>). */
export const IFLA_BRIDGE_FLAGS = 0;
export const IFLA_BRIDGE_MODE = 1;
export const IFLA_BRIDGE_VLAN_INFO = 2;
/** IFLA_BRIDGE_FLAGS: whom the request is for, the bridge a port belongs to (MASTER) or the device itself (SELF). */
export const BRIDGE_FLAGS_MASTER = 1;
export const BRIDGE_FLAGS_SELF = 2;
/** struct bridge_vlan_info.flags. */
export const BRIDGE_VLAN_INFO_MASTER = 1 << 0;
export const BRIDGE_VLAN_INFO_PVID = 1 << 1;
export const BRIDGE_VLAN_INFO_UNTAGGED = 1 << 2;
export const BRIDGE_VLAN_INFO_RANGE_BEGIN = 1 << 3;
export const BRIDGE_VLAN_INFO_RANGE_END = 1 << 4;
export const BRIDGE_VLAN_INFO_BRENTRY = 1 << 5;

/** One VLAN on a bridge port (or on the bridge itself with `self`). */
export interface BridgeVlanSpec {
  /** 1..4094. */
  vid: number;
  /** Untagged ingress frames get this VLAN. */
  pvid?: boolean;
  /** Egress frames of this VLAN leave untagged. */
  untagged?: boolean;
  /** Program the device itself (BRIDGE_FLAGS_SELF): the bridge's own VLAN table. */
  self?: boolean;
  /** Program the port's bridge (BRIDGE_FLAGS_MASTER): the default when `self` is not given. */
  master?: boolean;
}

/** A VLAN as the kernel reports it. */
export interface BridgeVlanInfo { vid: number; pvid: boolean; untagged: boolean; flags: number }
/** The VLANs of one bridge port (or bridge) from `bridgeVlanList`. */
export interface BridgeVlanPort { index: number; name: string; masterIndex?: number; vlans: BridgeVlanInfo[] }

/**
 * The kernel refused a bridge VLAN request because it has no VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING
 * off): EOPNOTSUPP, with no extended ack to say so. `code` stays the kernel's errno name; the kernel's
 * own error is the `cause`.
 */
export class BridgeVlanUnsupportedError extends NetlinkError {
  constructor(cause: NetlinkError) {
    super(cause.op, cause.errno, 'bridge VLAN filtering is not supported by this kernel (CONFIG_BRIDGE_VLAN_FILTERING is off)');
    this.name = 'BridgeVlanUnsupportedError';
    this.cause = cause;
  }
}

/**
 * The RTM_SETLINK (add) or RTM_DELLINK (del) of family AF_BRIDGE carrying
 * IFLA_AF_SPEC { IFLA_BRIDGE_FLAGS u16, IFLA_BRIDGE_VLAN_INFO struct bridge_vlan_info { u16 flags; u16 vid; } }.
 */
export function bridgeVlanMessage(type: typeof RTM_SETLINK | typeof RTM_DELLINK, index: number, v: BridgeVlanSpec): NlMessage {
  if (!Number.isInteger(v.vid) || v.vid < 1 || v.vid > 4094) throw new RangeError(`VLAN id ${v.vid} is not in 1..4094`);
  const target = (v.self ? BRIDGE_FLAGS_SELF : 0) | (v.master || !v.self ? BRIDGE_FLAGS_MASTER : 0);
  const info = Buffer.alloc(4);
  info.writeUInt16LE((v.pvid ? BRIDGE_VLAN_INFO_PVID : 0) | (v.untagged ? BRIDGE_VLAN_INFO_UNTAGGED : 0), 0);
  info.writeUInt16LE(v.vid, 2);
  const m = new NlMessage(type, NLM_F_REQUEST | NLM_F_ACK).raw(encodeIfInfoMsg({ family: AF_BRIDGE, index }));
  return m.nest(IFLA_AF_SPEC, () => {
    m.u16(IFLA_BRIDGE_FLAGS, target);
    m.attr(IFLA_BRIDGE_VLAN_INFO, info);
  });
}

/**
 * Adds a VLAN to a bridge port (or with `self` to the bridge). iproute2:
 * `bridge vlan add dev LINK vid VID [pvid] [untagged] [self] [master]`.
 * @throws {BridgeVlanUnsupportedError} this kernel has no bridge VLAN filtering (EOPNOTSUPP)
 * @throws {NetlinkError} EOPNOTSUPP when the link is not a bridge port (or not a bridge, with `self`)
 */
export async function bridgeVlanAdd(h: NetlinkHandle, link: LinkRef, vlan: BridgeVlanSpec): Promise<void> {
  await vlanRequest(h, RTM_SETLINK, link, vlan, 'add');
}

/**
 * Removes a VLAN from a bridge port (or with `self` from the bridge). iproute2: `bridge vlan del dev LINK vid VID`.
 * The kernel answers success to a delete it could not do (a missing VLAN, or no VLAN filtering at all).
 */
export async function bridgeVlanDel(h: NetlinkHandle, link: LinkRef, vlan: BridgeVlanSpec): Promise<void> {
  await vlanRequest(h, RTM_DELLINK, link, vlan, 'del');
}

async function vlanRequest(h: NetlinkHandle, type: typeof RTM_SETLINK | typeof RTM_DELLINK, link: LinkRef, vlan: BridgeVlanSpec, verb: string): Promise<void> {
  const index = await resolveIndex(h, link);
  try {
    await linkRequest(h, bridgeVlanMessage(type, index, vlan), link, `${describeRef(link)} bridge vlan ${verb} vid ${vlan.vid}`);
  } catch (err) {
    if (!(err instanceof NetlinkError) || err.code !== 'EOPNOTSUPP') throw err;
    // EOPNOTSUPP also means "not a bridge port" (no master with ndo_bridge_setlink): tell the two apart.
    const dev = decodeLink((await getLinkReply(h, index)).body);
    const selfOnly = vlan.self === true && !vlan.master;
    if (selfOnly ? dev.kind === 'bridge' : dev.slaveKind === 'bridge') throw new BridgeVlanUnsupportedError(err);
    throw new NetlinkError(err.op, err.errno, `${describeRef(link)} is not ${selfOnly ? 'a bridge' : 'a bridge port'}`);
  }
}

/**
 * The VLANs of every bridge port and bridge in the handle's netns: an RTM_GETLINK dump of family
 * AF_BRIDGE with IFLA_EXT_MASK = RTEXT_FILTER_BRVLAN. Ports without VLANs are listed with `vlans: []`
 * (all of them, on a kernel without VLAN filtering). iproute2: `bridge vlan show`.
 */
export async function bridgeVlanList(h: NetlinkHandle): Promise<BridgeVlanPort[]> {
  const replies = await h.request(bridgeVlanDumpMessage(), { describe: 'RTM_GETLINK AF_BRIDGE dump' });
  return replies.filter((r) => r.type === RTM_NEWLINK).map((r) => decodeBridgeVlanPort(r.body));
}

/** The AF_BRIDGE RTM_GETLINK dump request with IFLA_EXT_MASK = RTEXT_FILTER_BRVLAN (one VLAN per entry, no ranges). */
export function bridgeVlanDumpMessage(): NlMessage {
  return new NlMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP)
    .raw(encodeIfInfoMsg({ family: AF_BRIDGE }))
    .u32(IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
}

/** Decodes one AF_BRIDGE RTM_NEWLINK of the dump; VLAN ranges (RANGE_BEGIN..RANGE_END) are expanded. */
export function decodeBridgeVlanPort(body: Buffer): BridgeVlanPort {
  const a = attrMap(body, IFINFOMSG_LEN);
  const vlans: BridgeVlanInfo[] = [];
  let begin: number | undefined;
  const spec = a.get(IFLA_AF_SPEC);
  for (const attr of spec ? attrList(spec) : []) {
    if (attr.type !== IFLA_BRIDGE_VLAN_INFO || attr.data.length < 4) continue;
    const flags = attr.data.readUInt16LE(0);
    const vid = attr.data.readUInt16LE(2);
    if (flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) { begin = vid; continue; }
    const first = flags & BRIDGE_VLAN_INFO_RANGE_END && begin !== undefined ? begin : vid;
    const clean = flags & ~(BRIDGE_VLAN_INFO_RANGE_BEGIN | BRIDGE_VLAN_INFO_RANGE_END);
    for (let v = first; v <= vid; v++) {
      vlans.push({ vid: v, pvid: (flags & BRIDGE_VLAN_INFO_PVID) !== 0, untagged: (flags & BRIDGE_VLAN_INFO_UNTAGGED) !== 0, flags: clean });
    }
    begin = undefined;
  }
  const masterIndex = attrU32(a.get(IFLA_MASTER));
  return { index: decodeIfInfoMsg(body).index, name: attrStr(a.get(IFLA_IFNAME)) ?? '', ...(masterIndex !== undefined ? { masterIndex } : {}), vlans };
}
