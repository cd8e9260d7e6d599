import { formatIP, ipFromBytes, ipToBytes, parseIPLiteral, type IP } from '../../ip';

/**
 * Address bytes as netlink carries them: IPv4 and IPv6 in network order, MACs as raw octets.
 * Pure helpers shared by every codec.
 */

/** 4 or 16 network-order bytes for an IPv4 or IPv6 address, in the family it is written in. */
export function encodeIp(address: string): Buffer {
  return ipToBytes(literal(address));
}

/** The textual form of 4 or 16 address bytes (IPv6 compressed as RFC 5952). */
export function decodeIp(bytes: Buffer): string {
  return formatIP(ipFromBytes(bytes));
}

/** AF_INET (2) or AF_INET6 (10) for an address. */
export function ipFamily(address: string): 2 | 10 {
  return literal(address).family === 4 ? 2 : 10;
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

function literal(address: string): IP {
  const ip = parseIPLiteral(address);
  if (ip === undefined) throw new TypeError(`invalid IP address ${JSON.stringify(address)}`);
  return ip;
}
