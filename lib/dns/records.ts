/**
 * The rdata berth's resolver writes (A, AAAA, PTR) and reverse names (in-addr.arpa / ip6.arpa), both ways.
 */
import { ipFromBytes, ipToBytes, parseIP, type IP } from '../ip';
import { CLASS_IN, TYPE, decodeName, encodeName, type ResourceRecord } from './wire';

/** An A or AAAA record for `address` (the family picks the type). */
export function addressRecord(name: string, address: IP, ttl: number): ResourceRecord {
  return { name, type: address.family === 4 ? TYPE.A : TYPE.AAAA, class: CLASS_IN, ttl, data: ipToBytes(address) };
}

/** A PTR record pointing at `target`. */
export function ptrRecord(name: string, target: string, ttl: number): ResourceRecord {
  return { name, type: TYPE.PTR, class: CLASS_IN, ttl, data: encodeName(target) };
}

/** The address in an A or AAAA record, or undefined for another type or a bad length. */
export function recordAddress(rr: ResourceRecord): IP | undefined {
  if ((rr.type === TYPE.A && rr.data.length === 4) || (rr.type === TYPE.AAAA && rr.data.length === 16)) return ipFromBytes(rr.data);
  return undefined;
}

/** The target name of a PTR record of message `msg` (its rdata may be a compressed pointer). */
export function recordPtrTarget(msg: Buffer, rr: ResourceRecord): string {
  if (rr.dataOffset === undefined) return decodeName(rr.data, 0).name;
  return decodeName(msg, rr.dataOffset).name;
}

/** `4.3.2.1.in-addr.arpa` for 1.2.3.4, nibbles for IPv6 (RFC 3596). */
export function reverseName(ip: IP): string {
  const bytes = ipToBytes(ip);
  if (ip.family === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...bytes].flatMap((b) => [b >> 4, b & 0xf]).reverse().map((n) => n.toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

/**
 * The address a reverse name stands for, or undefined when it is not a whole address's reverse name
 * (a partial one such as `2.1.in-addr.arpa` names a zone, not a host).
 */
export function parseReverseName(name: string): IP | undefined {
  const n = name.toLowerCase().replace(/\.$/, '');
  const v4 = /^((?:\d{1,3}\.){3}\d{1,3})\.in-addr\.arpa$/.exec(n);
  if (v4) {
    const parts = v4[1]!.split('.');
    if (parts.some((p) => Number(p) > 255 || (p.length > 1 && p.startsWith('0')))) return undefined;
    return parseIP(parts.reverse().join('.'));
  }
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(n);
  if (v6) {
    const hex = v6[1]!.split('.').filter(Boolean).reverse().join('');
    return ipFromBytes(Buffer.from(hex, 'hex'));
  }
  return undefined;
}

