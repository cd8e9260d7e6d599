import { NLA_F_NESTED, NLMSG_HDRLEN, align4 } from './constants';
import { encodeIp, encodeMac } from './addr-bytes';

/**
 * Builds one netlink request: the 16-byte nlmsghdr, a fixed family header (ifinfomsg, ifaddrmsg, ...),
 * then rtattrs. Everything is host-endian (little-endian here) except where an attribute says otherwise
 * (IFLA_VXLAN_PORT is big-endian). Each attribute is padded to 4 bytes; its length excludes the padding.
 * Pure: no I/O, so encoders are golden-tested byte for byte.
 */
export class NlMessage {
  readonly type: number;
  readonly flags: number;
  #buf = Buffer.alloc(256);
  #len = NLMSG_HDRLEN;

  constructor(type: number, flags: number) {
    this.type = type;
    this.flags = flags;
  }

  /** Appends raw bytes (a family header), padded to 4. */
  raw(bytes: Buffer): this {
    this.#reserve(align4(bytes.length));
    bytes.copy(this.#buf, this.#len);
    this.#len += align4(bytes.length);
    return this;
  }

  /** Appends an attribute with a raw payload; returns its offset (for nesting). */
  attr(type: number, payload: Buffer = Buffer.alloc(0)): this {
    this.#attrAt(type, payload);
    return this;
  }

  u8(type: number, v: number): this { return this.attr(type, Buffer.from([v & 0xff])); }
  u16(type: number, v: number): this { const b = Buffer.alloc(2); b.writeUInt16LE(v); return this.attr(type, b); }
  u32(type: number, v: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return this.attr(type, b); }
  s32(type: number, v: number): this { const b = Buffer.alloc(4); b.writeInt32LE(v); return this.attr(type, b); }
  u64(type: number, v: bigint): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return this.attr(type, b); }
  /** A big-endian 16-bit value (ports). */
  be16(type: number, v: number): this { const b = Buffer.alloc(2); b.writeUInt16BE(v); return this.attr(type, b); }
  /** A NUL-terminated string (IFLA_IFNAME and IFLA_INFO_KIND must carry the NUL). */
  str(type: number, s: string): this { return this.attr(type, Buffer.from(`${s}\0`)); }
  /** A flag attribute: present means true. */
  flag(type: number): this { return this.attr(type); }
  /** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order. */
  ip(type: number, address: string): this { return this.attr(type, encodeIp(address)); }
  /** A hardware address `aa:bb:cc:dd:ee:ff`. */
  mac(type: number, mac: string): this { return this.attr(type, encodeMac(mac)); }

  /** A nested attribute: `fill` appends the children; the length is patched afterwards. */
  nest(type: number, fill: (m: this) => void, nestedFlag = false): this {
    const at = this.#attrAt(type | (nestedFlag ? NLA_F_NESTED : 0), Buffer.alloc(0));
    fill(this);
    this.#buf.writeUInt16LE(this.#len - at, at);
    return this;
  }

  /** The finished message with `seq` and `pid` filled in (a copy). */
  serialize(seq: number, pid = 0): Buffer {
    const out = Buffer.from(this.#buf.subarray(0, this.#len));
    out.writeUInt32LE(this.#len, 0);
    out.writeUInt16LE(this.type, 4);
    out.writeUInt16LE(this.flags, 6);
    out.writeUInt32LE(seq >>> 0, 8);
    out.writeUInt32LE(pid >>> 0, 12);
    return out;
  }

  #attrAt(type: number, payload: Buffer): number {
    const len = 4 + payload.length;
    if (len > 0xffff) throw new RangeError(`netlink attribute ${type} too long (${len} bytes)`);
    this.#reserve(align4(len));
    const at = this.#len;
    this.#buf.writeUInt16LE(len, at);
    this.#buf.writeUInt16LE(type, at + 2);
    payload.copy(this.#buf, at + 4);
    this.#len += align4(len);
    return at;
  }

  #reserve(extra: number): void {
    if (this.#len + extra <= this.#buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.#buf.length * 2, this.#len + extra));
    this.#buf.copy(bigger, 0, 0, this.#len);
    this.#buf = bigger;
  }
}
