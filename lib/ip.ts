/**
 * IP address math on bigint. Hand-written rather than built on ip-address: a plugin is exec'd once per
 * container, and parsing a handful of addresses must not cost a module graph at start-up.
 *
 * Text forms follow Go's `net` package, because the on-disk store names files by `net.IP.String()` and
 * a store shared with the reference plugin must agree on every name: dotted quads without leading
 * zeros, RFC 5952 IPv6 (lowercase, longest run of two or more zero groups compressed), and an
 * IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address, as Go's `To4()` makes it.
 */

/** An address family, named by its IP version. */
export type Family = 4 | 6;

/** An IP address: its family and its value as an unsigned integer. */
export interface IP {
  readonly family: Family;
  readonly value: bigint;
}

/** An address with a prefix length, as written in a CIDR (`ip` is kept as given, host bits and all). */
export interface Cidr {
  readonly ip: IP;
  readonly prefix: number;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;
const V4_MAPPED_MASK = ((1n << 96n) - 1n) << 32n;

/** The number of bits in an address of `family`. */
export function bitsOf(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/**
 * Parses an IPv4 or IPv6 address (no zone, no prefix). Returns undefined for anything else. An
 * IPv4-mapped IPv6 address comes back as IPv4.
 */
export function parseIP(text: string): IP | undefined {
  const ip = parseIPLiteral(text);
  if (ip?.family === 6 && (ip.value & V4_MAPPED_MASK) === V4_MAPPED_PREFIX) return { family: 4, value: ip.value & 0xffffffffn };
  return ip;
}

/**
 * Parses an address in the family it is written in: `::ffff:1.2.3.4` stays IPv6. For the kernel
 * (netlink), where the family of an address is part of the request.
 */
export function parseIPLiteral(text: string): IP | undefined {
  if (text.includes('.') && !text.includes(':')) {
    const v = parseV4(text);
    return v === undefined ? undefined : { family: 4, value: v };
  }
  const v = parseV6(text);
  return v === undefined ? undefined : { family: 6, value: v };
}

/** The address as network-order bytes (4 or 16), as netlink and sockets carry it. */
export function ipToBytes(ip: IP): Buffer {
  const out = Buffer.alloc(ip.family === 4 ? 4 : 16);
  let v = ip.value;
  for (let i = out.length - 1; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}

/** The address in 4 or 16 network-order bytes. */
export function ipFromBytes(bytes: Buffer): IP {
  if (bytes.length !== 4 && bytes.length !== 16) throw new TypeError(`address of ${bytes.length} bytes`);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value: v };
}

/**
 * Parses `ip/prefix`. An IPv4-mapped IPv6 address with a 128-bit prefix is rejected, as Go rejects it
 * ("IPNet IP and Mask version mismatch"): the two halves would disagree on the family.
 */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  const prefix = Number(bits);
  const ip = parseIP(addr);
  if (ip === undefined) return undefined;
  const textFamily: Family = addr.includes(':') ? 6 : 4;
  if (textFamily !== ip.family || prefix > bitsOf(ip.family)) return undefined;
  return { ip, prefix };
}

/** Parses `ip` or `ip/prefix` and returns the address alone (requested IPs: the prefix is ignored). */
export function parseIPOrCidr(text: string): IP | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return parseIP(text);
  return parseCidr(text)?.ip;
}

/** The canonical text of an address (the name of its file in the store). */
export function formatIP(ip: IP): string {
  return ip.family === 4 ? formatV4(ip.value) : formatV6(ip.value);
}

/** `ip/prefix` in canonical text. */
export function formatCidr(c: Cidr): string {
  return `${formatIP(c.ip)}/${c.prefix}`;
}

/** The netmask of `prefix` bits for `family`, as an integer. */
export function maskOf(family: Family, prefix: number): bigint {
  const bits = BigInt(bitsOf(family));
  const all = (1n << bits) - 1n;
  return all ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** The network address (host bits cleared). */
export function networkOf(c: Cidr): bigint {
  return c.ip.value & maskOf(c.ip.family, c.prefix);
}

/** The highest address of the CIDR's network (the broadcast address for IPv4). */
export function lastOf(c: Cidr): bigint {
  return networkOf(c) | (maskOf(c.ip.family, c.prefix) ^ ((1n << BigInt(bitsOf(c.ip.family))) - 1n));
}

/** True when both addresses are the same family and value. */
export function ipEqual(a: IP, b: IP): boolean {
  return a.family === b.family && a.value === b.value;
}

/** A key usable in Sets and Maps (bigint values of the two families would collide). */
export function ipKey(ip: IP): string {
  return `${ip.family}:${ip.value.toString(16)}`;
}

// Go (since 1.17) rejects leading zeros: they read as octal in some parsers and decimal in others.
const V4 = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/;

function parseV4(text: string): bigint | undefined {
  const m = V4.exec(text);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const n = Number(m[i]);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return BigInt(v);
}

function parseV6(text: string): bigint | undefined {
  if (text.length < 2 || text.length > 45) return undefined;
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const head = dbl >= 0 ? text.slice(0, dbl) : text;
  const tail = dbl >= 0 ? text.slice(dbl + 2) : '';
  const h = groups(head, dbl < 0 || tail === '');
  const t = dbl >= 0 ? groups(tail, true) : [];
  if (h === undefined || t === undefined) return undefined;
  const count = h.length + t.length;
  if (dbl < 0 ? count !== 8 : count > 7) return undefined;
  let v = 0n;
  for (const g of h) v = (v << 16n) | BigInt(g);
  v <<= BigInt(16 * (8 - h.length - t.length));
  for (const g of t) v = (v << 16n) | BigInt(g);
  return v;
}

/** Splits colon-separated hex groups; a trailing dotted quad counts as two groups when allowed. */
function groups(s: string, quadAllowed: boolean): number[] | undefined {
  if (s === '') return [];
  const out: number[] = [];
  const parts = s.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && quadAllowed && p.includes('.')) {
      const q = parseV4(p);
      if (q === undefined) return undefined;
      out.push(Number(q >> 16n), Number(q & 0xffffn));
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
  }
  return out;
}

function formatV4(v: bigint): string {
  const n = Number(v);
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function formatV6(v: bigint): string {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  // The longest run of at least two zero groups is compressed; the first one wins a tie (RFC 5952 4.2).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]): string => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}
