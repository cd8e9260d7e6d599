import net from 'node:net';

/**
 * Address bytes as netlink carries them: IPv4 and IPv6 in network order, MACs as raw octets.
 * Pure helpers shared by every codec.
 */

/** 4 or 16 network-order bytes for an IPv4 or IPv6 address. */
export function encodeIp(address: string): Buffer {
  const family = net.isIP(address);
  if (family === 4) return Buffer.from(address.split('.').map(Number));
  if (family === 6) return encodeIp6(address);
  throw new TypeError(`invalid IP address ${JSON.stringify(address)}`);
}

/** The textual form of 4 or 16 address bytes (IPv6 compressed as RFC 5952). */
export function decodeIp(bytes: Buffer): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length === 16) return formatIp6(bytes);
  throw new TypeError(`address of ${bytes.length} bytes`);
}

/** AF_INET (2) or AF_INET6 (10) for an address. */
export function ipFamily(address: string): 2 | 10 {
  const family = net.isIP(address);
  if (family === 4) return 2;
  if (family === 6) return 10;
  throw new TypeError(`invalid IP address ${JSON.stringify(address)}`);
}

/** Splits `10.0.0.1/24` into address and prefix length, checking both. */
export function parseCidr(cidr: string): { address: string; prefixLen: number; family: 2 | 10 } {
  const slash = cidr.indexOf('/');
  if (slash < 0) throw new TypeError(`invalid CIDR ${JSON.stringify(cidr)}: no prefix length`);
  const address = cidr.slice(0, slash);
  const family = ipFamily(address);
  const text = cidr.slice(slash + 1);
  const prefixLen = Number(text);
  const max = family === 2 ? 32 : 128;
  if (!/^\d{1,3}$/.test(text) || prefixLen > max) throw new TypeError(`invalid CIDR ${JSON.stringify(cidr)}: bad prefix length`);
  return { address, prefixLen, family };
}

/** Six octets for `aa:bb:cc:dd:ee:ff` (any length of colon-separated hex octets is accepted). */
export function encodeMac(mac: string): Buffer {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2})*$/.test(mac)) throw new TypeError(`invalid hardware address ${JSON.stringify(mac)}`);
  return Buffer.from(mac.split(':').map((x) => parseInt(x, 16)));
}

/** `aa:bb:cc:dd:ee:ff`, lower-case, as iproute2 prints it. */
export function decodeMac(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function encodeIp6(address: string): Buffer {
  let text = address;
  const out = Buffer.alloc(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = encodeIp(v4[1]);
    text = `${text.slice(0, v4.index)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function formatIp6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
