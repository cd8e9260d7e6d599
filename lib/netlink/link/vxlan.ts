import type { NlMessage } from '../nl/message';
import { attrBe16, attrMap, attrU8, attrU32 } from '../nl/attrs';
import { decodeIp, ipFamily } from '../nl/addr-bytes';
import type { VxlanAttrs } from './types';
import { prune } from './prune';

/** IFLA_INFO_DATA attributes of kind "vxlan" (<linux/if_link.h>). */
export const IFLA_VXLAN_ID = 1;
export const IFLA_VXLAN_GROUP = 2;
export const IFLA_VXLAN_LINK = 3;
export const IFLA_VXLAN_LOCAL = 4;
export const IFLA_VXLAN_TTL = 5;
export const IFLA_VXLAN_TOS = 6;
export const IFLA_VXLAN_LEARNING = 7;
export const IFLA_VXLAN_AGEING = 8;
export const IFLA_VXLAN_PORT_RANGE = 10;
export const IFLA_VXLAN_PROXY = 11;
export const IFLA_VXLAN_L2MISS = 13;
export const IFLA_VXLAN_L3MISS = 14;
export const IFLA_VXLAN_PORT = 15;
export const IFLA_VXLAN_GROUP6 = 16;
export const IFLA_VXLAN_LOCAL6 = 17;
export const IFLA_VXLAN_UDP_CSUM = 18;
export const IFLA_VXLAN_GBP = 23;

const VNI_MAX = 0xffffff;

/**
 * Appends the IFLA_VXLAN_* children of IFLA_INFO_DATA. Addresses pick the v4 or v6 attribute by family.
 * IFLA_VXLAN_PORT and IFLA_VXLAN_PORT_RANGE are __be16 in the uapi: written little-endian, 4789 would
 * become port 46354.
 */
export function encodeVxlanData(m: NlMessage, v: VxlanAttrs): void {
  if (!Number.isInteger(v.vni) || v.vni < 0 || v.vni > VNI_MAX) throw new RangeError(`VXLAN VNI ${v.vni} is not in 0..${VNI_MAX}`);
  if (v.group !== undefined && v.remote !== undefined) throw new TypeError('VXLAN: give either group or remote, not both');
  const bool = (t: number, on: boolean | undefined): void => { if (on !== undefined) m.u8(t, on ? 1 : 0); };
  m.u32(IFLA_VXLAN_ID, v.vni);
  const peer = v.group ?? v.remote;
  if (peer !== undefined) m.ip(ipFamily(peer) === 2 ? IFLA_VXLAN_GROUP : IFLA_VXLAN_GROUP6, peer);
  if (v.underlayIndex !== undefined) m.u32(IFLA_VXLAN_LINK, v.underlayIndex);
  if (v.local !== undefined) m.ip(ipFamily(v.local) === 2 ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, v.local);
  if (v.ttl !== undefined) m.u8(IFLA_VXLAN_TTL, v.ttl);
  if (v.tos !== undefined) m.u8(IFLA_VXLAN_TOS, v.tos);
  bool(IFLA_VXLAN_LEARNING, v.learning);
  if (v.ageing !== undefined) m.u32(IFLA_VXLAN_AGEING, v.ageing);
  if (v.srcPortRange !== undefined) {
    const r = Buffer.alloc(4); // struct ifla_vxlan_port_range { __be16 low; __be16 high; }
    r.writeUInt16BE(v.srcPortRange.low, 0);
    r.writeUInt16BE(v.srcPortRange.high, 2);
    m.attr(IFLA_VXLAN_PORT_RANGE, r);
  }
  bool(IFLA_VXLAN_PROXY, v.proxy);
  bool(IFLA_VXLAN_L2MISS, v.l2miss);
  bool(IFLA_VXLAN_L3MISS, v.l3miss);
  if (v.port !== undefined) m.be16(IFLA_VXLAN_PORT, v.port);
  bool(IFLA_VXLAN_UDP_CSUM, v.udpCsum);
  if (v.gbp) m.flag(IFLA_VXLAN_GBP);
}

/** Decodes the IFLA_INFO_DATA payload of a vxlan. A unicast IFLA_VXLAN_GROUP is reported as `remote`. */
export function decodeVxlanData(data: Buffer | undefined): VxlanAttrs {
  const a = data ? attrMap(data) : new Map<number, Buffer>();
  const bool = (t: number): boolean | undefined => {
    const v = attrU8(a.get(t));
    return v === undefined ? undefined : v !== 0;
  };
  const addr = (v4: number, v6: number): string | undefined => {
    const raw = a.get(v4) ?? a.get(v6);
    // The kernel omits unset addresses, but an all-zero one means "none" too.
    return raw && raw.some((b) => b !== 0) ? decodeIp(raw) : undefined;
  };
  const peer = addr(IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6);
  const range = a.get(IFLA_VXLAN_PORT_RANGE);
  return prune({
    vni: attrU32(a.get(IFLA_VXLAN_ID)) ?? 0,
    local: addr(IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6),
    group: peer !== undefined && isMulticast(peer) ? peer : undefined,
    remote: peer !== undefined && !isMulticast(peer) ? peer : undefined,
    underlayIndex: attrU32(a.get(IFLA_VXLAN_LINK)),
    port: attrBe16(a.get(IFLA_VXLAN_PORT)),
    srcPortRange: range && range.length >= 4 ? { low: range.readUInt16BE(0), high: range.readUInt16BE(2) } : undefined,
    learning: bool(IFLA_VXLAN_LEARNING),
    ttl: attrU8(a.get(IFLA_VXLAN_TTL)),
    tos: attrU8(a.get(IFLA_VXLAN_TOS)),
    ageing: attrU32(a.get(IFLA_VXLAN_AGEING)),
    proxy: bool(IFLA_VXLAN_PROXY),
    l2miss: bool(IFLA_VXLAN_L2MISS),
    l3miss: bool(IFLA_VXLAN_L3MISS),
    udpCsum: bool(IFLA_VXLAN_UDP_CSUM),
    gbp: a.has(IFLA_VXLAN_GBP) ? true : undefined,
  });
}

function isMulticast(address: string): boolean {
  if (ipFamily(address) === 2) return (Number(address.split('.')[0]) & 0xf0) === 0xe0;
  return address.toLowerCase().startsWith('ff');
}
