import { AF_INET, RTM_DELADDR } from '../nl/constants';
import { NlMessage } from '../nl/message';
import { attrMap, attrStr, attrU32 } from '../nl/attrs';
import { decodeIp, encodeIp, ipFamily, parseCidr } from '../nl/addr-bytes';
import { RT_SCOPE_HOST, RT_SCOPE_UNIVERSE, type IpFamily } from '../route';
import {
  IFADDRMSG_LEN, IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_FLAGS, IFA_LABEL, IFA_LOCAL, INFINITY_LIFE_TIME,
} from './constants';

/** An address to add, replace or delete, in iproute2's vocabulary. */
export interface AddrSpec {
  /** The local address and prefix length, `10.0.0.1/24` or `fd00::1/64`. */
  cidr: string;
  /** Point-to-point peer address (IFA_ADDRESS); the prefix length of `cidr` then applies to the peer. */
  peer?: string;
  /** IPv4 broadcast address (IFA_BROADCAST). */
  broadcast?: string;
  /** IPv4 label (IFA_LABEL), which must start with the link's name, e.g. `eth0:1`. */
  label?: string;
  /** IFA_F_* (IFA_F_NODAD, IFA_F_NOPREFIXROUTE, ...). */
  flags?: number;
  /** RT_SCOPE_*; default as iproute2: host for 127.0.0.0/8, universe otherwise. */
  scope?: number;
  /** Seconds (IFA_CACHEINFO); default INFINITY_LIFE_TIME. */
  validLft?: number;
  /** Seconds (IFA_CACHEINFO); default `validLft`, and never above it. */
  preferredLft?: number;
}

/** An interface address as the kernel reports it. */
export interface Addr {
  family: IpFamily;
  index: number;
  prefixLen: number;
  /** The local address with its prefix length. */
  cidr: string;
  /** IFA_LOCAL (IPv4, and IPv6 with a peer). */
  local?: string;
  /** IFA_ADDRESS: equal to `local`, or the peer on a point-to-point address. */
  address?: string;
  /** IFA_ADDRESS when it differs from IFA_LOCAL. */
  peer?: string;
  broadcast?: string;
  label?: string;
  scope: number;
  /** IFA_FLAGS when present (it carries the bits above 0xff), else ifa_flags. */
  flags: number;
  validLft?: number;
  preferredLft?: number;
}

/**
 * Encodes RTM_NEWADDR / RTM_DELADDR. Like iproute2, IFA_LOCAL carries the address and IFA_ADDRESS the peer,
 * or the address again when there is none (IPv4 needs both; IPv6 accepts it). Flags that fit in 8 bits go in
 * the header, others in IFA_FLAGS, as iproute2 does.
 */
export function encodeAddrMessage(type: number, nlFlags: number, index: number, spec: AddrSpec): NlMessage {
  const { address, prefixLen, family } = parseCidr(spec.cidr);
  const flags = spec.flags ?? 0;
  const hdr = Buffer.alloc(IFADDRMSG_LEN);
  hdr[0] = family;
  hdr[1] = prefixLen;
  hdr[2] = flags <= 0xff ? flags : 0;
  hdr[3] = spec.scope ?? (type === RTM_DELADDR ? RT_SCOPE_UNIVERSE : defaultScope(address));
  hdr.writeUInt32LE(index, 4);

  const m = new NlMessage(type, nlFlags).raw(hdr).ip(IFA_LOCAL, address);
  m.ip(IFA_ADDRESS, spec.peer !== undefined ? ofFamily(spec.peer, family, 'peer') : address);
  // IPv6 has neither broadcast nor labels: refuse rather than let the kernel drop them silently.
  if ((spec.broadcast !== undefined || spec.label !== undefined) && family !== AF_INET) {
    throw new TypeError(`address ${spec.cidr}: broadcast and label exist only for IPv4`);
  }
  if (spec.broadcast !== undefined) m.ip(IFA_BROADCAST, ofFamily(spec.broadcast, family, 'broadcast'));
  if (spec.label !== undefined) m.str(IFA_LABEL, spec.label);
  if (flags > 0xff) m.u32(IFA_FLAGS, flags);
  if (spec.validLft !== undefined || spec.preferredLft !== undefined) m.attr(IFA_CACHEINFO, cacheinfo(spec));
  return m;
}

/** Decodes the body of an RTM_NEWADDR (a dump entry). */
export function decodeAddr(body: Buffer): Addr {
  const attrs = attrMap(body, IFADDRMSG_LEN);
  const ip = (t: number): string | undefined => {
    const b = attrs.get(t);
    return b && (b.length === 4 || b.length === 16) ? decodeIp(b) : undefined;
  };
  const local = ip(IFA_LOCAL);
  const address = ip(IFA_ADDRESS);
  const prefixLen = body[1];
  const addr: Addr = {
    family: body[0] as IpFamily,
    index: body.readUInt32LE(4),
    prefixLen,
    cidr: `${local ?? address}/${prefixLen}`,
    scope: body[3],
    flags: attrU32(attrs.get(IFA_FLAGS)) ?? body[2],
  };
  if (local !== undefined) addr.local = local;
  if (address !== undefined) addr.address = address;
  if (local !== undefined && address !== undefined && local !== address) addr.peer = address;
  const broadcast = ip(IFA_BROADCAST);
  if (broadcast !== undefined) addr.broadcast = broadcast;
  const label = attrStr(attrs.get(IFA_LABEL));
  if (label !== undefined) addr.label = label;
  const ci = attrs.get(IFA_CACHEINFO);
  if (ci && ci.length >= 8) {
    addr.preferredLft = ci.readUInt32LE(0);
    addr.validLft = ci.readUInt32LE(4);
  }
  return addr;
}

/** iproute2's default_scope(): loopback addresses are host-scoped. */
function defaultScope(address: string): number {
  return ipFamily(address) === AF_INET && encodeIp(address)[0] === 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
}

function ofFamily(address: string, family: IpFamily, what: string): string {
  if (ipFamily(address) !== family) throw new TypeError(`${what} ${address} is not of the address's family`);
  return address;
}

/** struct ifa_cacheinfo { u32 ifa_prefered, ifa_valid, cstamp, tstamp } (the stamps are output only). */
function cacheinfo(spec: AddrSpec): Buffer {
  const valid = spec.validLft ?? INFINITY_LIFE_TIME;
  const preferred = spec.preferredLft ?? valid;
  if (valid === 0) throw new RangeError('validLft is zero');
  if (preferred > valid) throw new RangeError(`preferredLft ${preferred} is greater than validLft ${valid}`);
  const b = Buffer.alloc(16);
  b.writeUInt32LE(preferred, 0);
  b.writeUInt32LE(valid, 4);
  return b;
}
