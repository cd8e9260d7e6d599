import { NlMessage } from '../nl/message';
import { attrMap, attrS32, attrStr, attrU8, attrU32 } from '../nl/attrs';
import { decodeMac } from '../nl/addr-bytes';
import { NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, RTM_NEWLINK } from '../nl/constants';
import {
  IFF_UP, IFINFOMSG_LEN, IF_OPER_NAMES, IFLA_ADDRESS, IFLA_IFALIAS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_DATA, IFLA_INFO_SLAVE_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MTU,
  IFLA_NET_NS_FD, IFLA_OPERSTATE, IFLA_PROMISCUITY, IFLA_TXQLEN,
} from './constants';
import { decodeIfInfoMsg, encodeIfInfoMsg } from './ifinfomsg';
import { checkIfName } from './request';
import { decodeBridgeData, encodeBridgeData, hasBridgeData } from './bridge';
import { decodeBridgePort } from './bridge-port';
import { encodeVethData } from './veth';
import { decodeVxlanData, encodeVxlanData } from './vxlan';
import { decodeMacvlanData, encodeMacvlanData } from './macvlan';
import type { Link, LinkAttrs, LinkSpec, OperState } from './types';
import { prune } from './prune';

/**
 * Decodes an RTM_NEWLINK message body (ifinfomsg + IFLA_* attributes) into a Link, keyed by
 * IFLA_LINKINFO/IFLA_INFO_KIND: no kind is a plain `device`, an unmodelled kind a `generic` link.
 */
export function decodeLink(body: Buffer): Link {
  const hdr = decodeIfInfoMsg(body);
  const a = attrMap(body, IFINFOMSG_LEN);
  const linkinfo = a.get(IFLA_LINKINFO);
  const info = linkinfo ? attrMap(linkinfo) : new Map<number, Buffer>();
  const infoKind = attrStr(info.get(IFLA_INFO_KIND));
  const infoData = info.get(IFLA_INFO_DATA);
  const slaveKind = attrStr(info.get(IFLA_INFO_SLAVE_KIND));
  const slaveData = info.get(IFLA_INFO_SLAVE_DATA);
  const address = a.get(IFLA_ADDRESS);
  const oper = attrU8(a.get(IFLA_OPERSTATE));
  const base: LinkAttrs = prune({
    index: hdr.index,
    name: attrStr(a.get(IFLA_IFNAME)) ?? '',
    mtu: attrU32(a.get(IFLA_MTU)) ?? 0,
    hardwareAddr: address && address.length > 0 ? decodeMac(address) : undefined,
    flags: hdr.flags,
    up: (hdr.flags & IFF_UP) !== 0,
    operState: (IF_OPER_NAMES[oper ?? 0] ?? 'unknown') as OperState,
    masterIndex: attrU32(a.get(IFLA_MASTER)),
    netnsId: attrS32(a.get(IFLA_LINK_NETNSID)),
    txQueueLen: attrU32(a.get(IFLA_TXQLEN)),
    alias: attrStr(a.get(IFLA_IFALIAS)),
    parentIndex: attrS32(a.get(IFLA_LINK)),
    promiscuity: attrU32(a.get(IFLA_PROMISCUITY)),
    slaveKind,
    bridgePort: slaveKind === 'bridge' && slaveData ? decodeBridgePort(slaveData) : undefined,
  });
  switch (infoKind) {
    case 'bridge': return { ...base, kind: 'bridge', bridge: decodeBridgeData(infoData) };
    case 'veth': return { ...base, kind: 'veth' };
    case 'vxlan': return { ...base, kind: 'vxlan', vxlan: decodeVxlanData(infoData) };
    case 'macvlan': return { ...base, kind: 'macvlan', macvlan: decodeMacvlanData(infoData) };
    case undefined: return { ...base, kind: 'device' };
    default: return prune({ ...base, kind: 'generic', infoKind, infoData: infoData && Buffer.from(infoData) });
  }
}

/**
 * Encodes the RTM_NEWLINK that creates `spec` (NLM_F_CREATE | NLM_F_EXCL: an existing name is EEXIST).
 * The name, the common attributes given, then IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA }.
 */
export function encodeLinkAdd(spec: LinkSpec): NlMessage {
  const m = new NlMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  m.raw(encodeIfInfoMsg(spec.up ? { flags: IFF_UP, change: IFF_UP } : {}));
  m.str(IFLA_IFNAME, checkIfName(spec.name));
  if (spec.mtu !== undefined) m.u32(IFLA_MTU, spec.mtu);
  if (spec.hardwareAddr !== undefined) m.mac(IFLA_ADDRESS, spec.hardwareAddr);
  if (spec.kind === 'macvlan') m.u32(IFLA_LINK, spec.parentIndex);
  if (spec.masterIndex !== undefined) m.u32(IFLA_MASTER, spec.masterIndex);
  if (spec.txQueueLen !== undefined) m.u32(IFLA_TXQLEN, spec.txQueueLen);
  if (spec.netnsFd !== undefined) m.u32(IFLA_NET_NS_FD, spec.netnsFd);
  return m.nest(IFLA_LINKINFO, () => {
    m.str(IFLA_INFO_KIND, spec.kind);
    const data = (fill: () => void): void => { m.nest(IFLA_INFO_DATA, fill); };
    switch (spec.kind) {
      case 'bridge':
        if (hasBridgeData(spec.bridge)) data(() => encodeBridgeData(m, spec.bridge!));
        break;
      case 'veth':
        checkIfName(spec.peer.name);
        data(() => encodeVethData(m, spec.peer));
        break;
      case 'vxlan':
        data(() => encodeVxlanData(m, spec.vxlan));
        break;
      case 'macvlan':
        if (spec.macvlan && Object.values(spec.macvlan).some((v) => v !== undefined)) data(() => encodeMacvlanData(m, spec.macvlan!));
        break;
      default: {
        const unknown: never = spec; // a new LinkSpec kind must be handled above
        throw new TypeError(`linkAdd: unsupported kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`);
      }
    }
  });
}
