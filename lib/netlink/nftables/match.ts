/**
 * The expression lists nft compiles the masquerade rules' matches to, reproduced exactly so that
 * `nft list table` prints the same text whether nft or berth wrote a rule (learnt from
 * `nft --debug=netlink`; nftables 1.0.6's netlink_linearize.c):
 *
 *   ip saddr 10.1.2.3          [ payload load 4b @ network header + 12 ] [ cmp eq 0x0302010a ]
 *   ip daddr != 10.1.2.0/24    [ payload load 3b @ network header + 16 ] [ cmp neq 0x0002010a ]
 *   ip daddr 224.0.0.0/4       [ payload load 4b @ ... + 16 ] [ bitwise & 0x000000f0 ^ 0 ] [ cmp eq 0x000000e0 ]
 *
 * A byte-aligned prefix loads only its bytes; any other prefix loads the whole address and masks it.
 * Both are preceded by `meta nfproto` in an inet table, since an inet chain sees IPv4 and IPv6.
 */
import { encodeIp, parseCidr } from '../nl/addr-bytes';
import { NFPROTO_IPV4, NFPROTO_IPV6, NFT_CMP_EQ, NFT_CMP_NEQ, NFT_META_NFPROTO, NFT_PAYLOAD_NETWORK_HEADER, NFT_REG_1 } from './constants';
import type { NftExpr } from './expr';

/** Where the addresses sit in the IPv4 and IPv6 headers. */
const OFFSETS = { 4: { saddr: 12, daddr: 16 }, 6: { saddr: 8, daddr: 24 } } as const;

/** `meta nfproto ipv4|ipv6`: the implicit dependency nft adds before an `ip`/`ip6` match in inet. */
export function nfprotoIs(family: 4 | 6): NftExpr[] {
  return [
    { kind: 'meta', key: NFT_META_NFPROTO, dreg: NFT_REG_1 },
    { kind: 'cmp', sreg: NFT_REG_1, op: NFT_CMP_EQ, data: Buffer.from([family === 4 ? NFPROTO_IPV4 : NFPROTO_IPV6]) },
  ];
}

/**
 * `ip[6] saddr|daddr [!=] cidr` (an address without prefix is a full-length one), without the nfproto
 * dependency. The family is the address's.
 */
export function addrMatch(field: 'saddr' | 'daddr', cidr: string, negate = false): NftExpr[] {
  const { address, prefixLen } = cidr.includes('/') ? parseCidr(cidr) : { address: cidr, prefixLen: -1 };
  const bytes = encodeIp(address);
  const family = bytes.length === 4 ? 4 : 6;
  const bits = prefixLen < 0 ? bytes.length * 8 : prefixLen;
  if (bits === 0) throw new RangeError(`nftables address match on ${cidr}: a /0 matches everything`);
  const offset = OFFSETS[family][field];
  const op = negate ? NFT_CMP_NEQ : NFT_CMP_EQ;
  const mask = Buffer.alloc(bytes.length);
  for (let i = 0; i < bits; i++) mask[i >> 3]! |= 0x80 >> (i & 7);
  const network = Buffer.from(bytes.map((b, i) => b & mask[i]!));
  if (bits % 8 === 0) {
    const len = bits / 8;
    return [
      { kind: 'payload', dreg: NFT_REG_1, base: NFT_PAYLOAD_NETWORK_HEADER, offset, len },
      { kind: 'cmp', sreg: NFT_REG_1, op, data: network.subarray(0, len) },
    ];
  }
  return [
    { kind: 'payload', dreg: NFT_REG_1, base: NFT_PAYLOAD_NETWORK_HEADER, offset, len: bytes.length },
    { kind: 'bitwise', sreg: NFT_REG_1, dreg: NFT_REG_1, mask, xor: Buffer.alloc(bytes.length) },
    { kind: 'cmp', sreg: NFT_REG_1, op, data: network },
  ];
}

/** The family (4 or 6) of an address or CIDR. */
export function familyOf(cidr: string): 4 | 6 {
  return encodeIp(cidr.split('/')[0]!).length === 4 ? 4 : 6;
}
