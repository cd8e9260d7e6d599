import { AF_BRIDGE, AF_INET, AF_INET6 } from '../nl/constants';
import { NlMessage } from '../nl/message';
import { attrBe16, attrMap, attrU16, attrU32 } from '../nl/attrs';
import { decodeIp, decodeMac, ipFamily } from '../nl/addr-bytes';
import {
  NDA_DST, NDA_LLADDR, NDA_MASTER, NDA_PORT, NDA_VLAN, NDA_VNI, NDMSG_LEN, NTF_MASTER, NTF_SELF, NUD_PERMANENT,
} from './constants';

/** Neighbours (AF_INET, AF_INET6: ARP and NDP entries) or forwarding database entries (AF_BRIDGE). */
export type NeighFamily = typeof AF_INET | typeof AF_INET6 | typeof AF_BRIDGE;

/** A neighbour or FDB entry to set, append or delete. */
export interface NeighSpec {
  /** The link the entry belongs to (a vxlan or bridge port for FDB entries). */
  index: number;
  /** Default: the family of `ip`, else AF_BRIDGE. */
  family?: NeighFamily;
  /** The neighbour's protocol address (NDA_DST), for AF_INET and AF_INET6. */
  ip?: string;
  /** Hardware address (NDA_LLADDR); required for AF_BRIDGE. */
  mac?: string;
  /** NUD_*; default NUD_PERMANENT. */
  state?: number;
  /** NTF_*. For AF_BRIDGE, NTF_SELF is added when neither NTF_SELF nor NTF_MASTER is given, as `bridge fdb` does. */
  flags?: number;
  /** Remote VTEP of a vxlan FDB entry (NDA_DST), for AF_BRIDGE. */
  dst?: string;
  /** VXLAN network identifier (NDA_VNI). */
  vni?: number;
  /** Remote UDP port (NDA_PORT). */
  port?: number;
  /** Bridge VLAN id (NDA_VLAN). */
  vlan?: number;
  /** Bridge the entry belongs to (NDA_MASTER). */
  master?: number;
}

/** A neighbour or FDB entry as the kernel reports it. */
export interface Neigh {
  family: NeighFamily;
  index: number;
  state: number;
  flags: number;
  /** ndm_type (RTN_*). */
  type: number;
  /** NDA_DST of an AF_INET/AF_INET6 neighbour. */
  ip?: string;
  mac?: string;
  /** NDA_DST of an AF_BRIDGE entry: the remote VTEP. */
  dst?: string;
  vni?: number;
  port?: number;
  vlan?: number;
  master?: number;
}

/** Encodes RTM_NEWNEIGH / RTM_DELNEIGH for a neighbour or an FDB entry. */
export function encodeNeighMessage(type: number, nlFlags: number, spec: NeighSpec): NlMessage {
  const family = neighFamily(spec);
  let flags = spec.flags ?? 0;
  if (family === AF_BRIDGE && !(flags & (NTF_SELF | NTF_MASTER))) flags |= NTF_SELF;
  const hdr = Buffer.alloc(NDMSG_LEN);
  hdr[0] = family;
  hdr.writeInt32LE(spec.index, 4);
  hdr.writeUInt16LE(spec.state ?? NUD_PERMANENT, 8);
  hdr[10] = flags;

  const m = new NlMessage(type, nlFlags).raw(hdr);
  const dst = family === AF_BRIDGE ? spec.dst : spec.ip;
  if (dst !== undefined) m.ip(NDA_DST, dst);
  if (spec.mac !== undefined) m.mac(NDA_LLADDR, spec.mac);
  if (spec.vlan !== undefined) m.u16(NDA_VLAN, spec.vlan);
  if (spec.port !== undefined) m.be16(NDA_PORT, spec.port);
  if (spec.vni !== undefined) m.u32(NDA_VNI, spec.vni);
  if (spec.master !== undefined) m.u32(NDA_MASTER, spec.master);
  return m;
}

/** Decodes the body of an RTM_NEWNEIGH (a dump entry). */
export function decodeNeigh(body: Buffer): Neigh {
  const family = body[0] as NeighFamily;
  const attrs = attrMap(body, NDMSG_LEN);
  const neigh: Neigh = {
    family,
    index: body.readInt32LE(4),
    state: body.readUInt16LE(8),
    flags: body[10],
    type: body[11],
  };
  const dst = attrs.get(NDA_DST);
  if (dst && (dst.length === 4 || dst.length === 16)) {
    if (family === AF_BRIDGE) neigh.dst = decodeIp(dst);
    else neigh.ip = decodeIp(dst);
  }
  const mac = attrs.get(NDA_LLADDR);
  if (mac && mac.length > 0) neigh.mac = decodeMac(mac);
  const vni = attrU32(attrs.get(NDA_VNI));
  if (vni !== undefined) neigh.vni = vni;
  const port = attrBe16(attrs.get(NDA_PORT));
  if (port !== undefined) neigh.port = port;
  const vlan = attrU16(attrs.get(NDA_VLAN));
  if (vlan !== undefined) neigh.vlan = vlan;
  const master = attrU32(attrs.get(NDA_MASTER));
  if (master !== undefined) neigh.master = master;
  return neigh;
}

function neighFamily(spec: NeighSpec): NeighFamily {
  const family = spec.family ?? (spec.ip !== undefined ? ipFamily(spec.ip) : AF_BRIDGE);
  if (family === AF_BRIDGE) {
    if (spec.ip !== undefined) throw new TypeError('an AF_BRIDGE (FDB) entry has no ip: give the remote VTEP as dst');
  } else {
    if (spec.ip === undefined) throw new TypeError(`a neighbour of family ${family} needs its ip`);
    if (ipFamily(spec.ip) !== family) throw new TypeError(`neighbour ${spec.ip} is not of family ${family}`);
    if (spec.dst !== undefined) throw new TypeError('dst (a remote VTEP) belongs to AF_BRIDGE entries; give the neighbour as ip');
  }
  return family;
}
