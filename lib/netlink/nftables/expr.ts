/**
 * nf_tables rule expressions, as a discriminated union keyed by the kernel's expression name
 * (NFTA_EXPR_NAME), with the encoder and decoder of each. Only the expressions the masquerade rules
 * use; `nft --debug=netlink` prints them as `[ meta load nfproto => reg 1 ]`, `[ cmp eq reg 1 ... ]`.
 */
import { attrList, attrMap, attrStr } from '../nl/attrs';
import type { NlMessage } from '../nl/message';
import {
  NFTA_BITWISE_DREG, NFTA_BITWISE_LEN, NFTA_BITWISE_MASK, NFTA_BITWISE_SREG, NFTA_BITWISE_XOR, NFTA_CMP_DATA, NFTA_CMP_OP,
  NFTA_CMP_SREG, NFTA_DATA_VALUE, NFTA_DATA_VERDICT, NFTA_EXPR_DATA, NFTA_EXPR_NAME, NFTA_IMMEDIATE_DATA, NFTA_IMMEDIATE_DREG,
  NFTA_LIST_ELEM, NFTA_META_DREG, NFTA_META_KEY, NFTA_PAYLOAD_BASE, NFTA_PAYLOAD_DREG, NFTA_PAYLOAD_LEN, NFTA_PAYLOAD_OFFSET,
  NFTA_VERDICT_CHAIN, NFTA_VERDICT_CODE, NFT_GOTO, NFT_JUMP, NFT_REG_VERDICT, NFT_RETURN,
} from './constants';

/** A verdict an `immediate` loads into the verdict register. */
export type NftVerdict = { readonly code: 'return' } | { readonly code: 'goto' | 'jump'; readonly chain: string };

/** One expression of a rule. Registers are numbered as in nft's debug output (1 = NFT_REG_1). */
export type NftExpr =
  | { readonly kind: 'meta'; readonly key: number; readonly dreg: number }
  | { readonly kind: 'cmp'; readonly sreg: number; readonly op: number; readonly data: Buffer }
  | { readonly kind: 'payload'; readonly dreg: number; readonly base: number; readonly offset: number; readonly len: number }
  | { readonly kind: 'bitwise'; readonly sreg: number; readonly dreg: number; readonly mask: Buffer; readonly xor: Buffer }
  | { readonly kind: 'immediate'; readonly verdict: NftVerdict }
  | { readonly kind: 'masq' };

/** A big-endian u32: nf_tables numbers are all in network order. */
export const be32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v | 0);
  return b;
};
const readBe32 = (b: Buffer | undefined): number => (b && b.length >= 4 ? b.readInt32BE(0) : 0);

const VERDICT_CODES = { return: NFT_RETURN, goto: NFT_GOTO, jump: NFT_JUMP } as const;

/** Appends NFTA_RULE_EXPRESSIONS' children: one NFTA_LIST_ELEM per expression. */
export function encodeExprs(m: NlMessage, exprs: readonly NftExpr[]): void {
  for (const e of exprs) {
    m.nest(NFTA_LIST_ELEM, () => {
      m.str(NFTA_EXPR_NAME, e.kind);
      m.nest(NFTA_EXPR_DATA, () => encodeData(m, e), true);
    }, true);
  }
}

/** A value nested as NFTA_DATA_VALUE, the way cmp, bitwise and immediate carry data. */
const value = (m: NlMessage, type: number, data: Buffer): void => {
  m.nest(type, () => m.attr(NFTA_DATA_VALUE, data), true);
};

/** Each expression's attributes, in the order libnftnl writes them (the golden tests compare bytes). */
function encodeData(m: NlMessage, e: NftExpr): void {
  switch (e.kind) {
    case 'meta':
      m.attr(NFTA_META_KEY, be32(e.key)).attr(NFTA_META_DREG, be32(e.dreg));
      return;
    case 'cmp':
      m.attr(NFTA_CMP_SREG, be32(e.sreg)).attr(NFTA_CMP_OP, be32(e.op));
      value(m, NFTA_CMP_DATA, e.data);
      return;
    case 'payload':
      m.attr(NFTA_PAYLOAD_DREG, be32(e.dreg)).attr(NFTA_PAYLOAD_BASE, be32(e.base))
        .attr(NFTA_PAYLOAD_OFFSET, be32(e.offset)).attr(NFTA_PAYLOAD_LEN, be32(e.len));
      return;
    case 'bitwise':
      m.attr(NFTA_BITWISE_SREG, be32(e.sreg)).attr(NFTA_BITWISE_DREG, be32(e.dreg)).attr(NFTA_BITWISE_LEN, be32(e.mask.length));
      value(m, NFTA_BITWISE_MASK, e.mask);
      value(m, NFTA_BITWISE_XOR, e.xor);
      return;
    case 'immediate':
      m.attr(NFTA_IMMEDIATE_DREG, be32(NFT_REG_VERDICT));
      m.nest(NFTA_IMMEDIATE_DATA, () => m.nest(NFTA_DATA_VERDICT, () => {
        m.attr(NFTA_VERDICT_CODE, be32(VERDICT_CODES[e.verdict.code]));
        if (e.verdict.code !== 'return') m.str(NFTA_VERDICT_CHAIN, e.verdict.chain);
      }, true), true);
      return;
    case 'masq':
      return; // no attributes: masquerade to the outgoing interface's address, any port
    default: {
      const never: never = e;
      throw new TypeError(`unknown nftables expression ${JSON.stringify(never)}`);
    }
  }
}

/** The data of NFTA_DATA_VALUE inside `nest`. */
const valueOf = (nest: Buffer | undefined): Buffer => Buffer.from((nest && attrMap(nest).get(NFTA_DATA_VALUE)) ?? Buffer.alloc(0));

/**
 * Decodes NFTA_RULE_EXPRESSIONS. An expression berth does not write comes back as undefined in its
 * place, so a caller can tell "some rule we do not understand" from "no expressions".
 */
export function decodeExprs(nest: Buffer): Array<NftExpr | undefined> {
  return attrList(nest).filter((a) => a.type === NFTA_LIST_ELEM).map((elem) => {
    const attrs = attrMap(elem.data);
    const d = attrMap(attrs.get(NFTA_EXPR_DATA) ?? Buffer.alloc(0));
    const u = (t: number): number => readBe32(d.get(t));
    switch (attrStr(attrs.get(NFTA_EXPR_NAME))) {
      case 'meta': return { kind: 'meta', key: u(NFTA_META_KEY), dreg: u(NFTA_META_DREG) };
      case 'cmp': return { kind: 'cmp', sreg: u(NFTA_CMP_SREG), op: u(NFTA_CMP_OP), data: valueOf(d.get(NFTA_CMP_DATA)) };
      case 'payload': return { kind: 'payload', dreg: u(NFTA_PAYLOAD_DREG), base: u(NFTA_PAYLOAD_BASE), offset: u(NFTA_PAYLOAD_OFFSET), len: u(NFTA_PAYLOAD_LEN) };
      case 'bitwise': return { kind: 'bitwise', sreg: u(NFTA_BITWISE_SREG), dreg: u(NFTA_BITWISE_DREG), mask: valueOf(d.get(NFTA_BITWISE_MASK)), xor: valueOf(d.get(NFTA_BITWISE_XOR)) };
      case 'immediate': return decodeImmediate(d.get(NFTA_IMMEDIATE_DATA));
      case 'masq': return { kind: 'masq' };
      default: return undefined;
    }
  });
}

function decodeImmediate(data: Buffer | undefined): NftExpr | undefined {
  const verdict = data && attrMap(data).get(NFTA_DATA_VERDICT);
  if (!verdict) return undefined;
  const v = attrMap(verdict);
  const code = readBe32(v.get(NFTA_VERDICT_CODE));
  const chain = attrStr(v.get(NFTA_VERDICT_CHAIN)) ?? '';
  if (code === NFT_RETURN) return { kind: 'immediate', verdict: { code: 'return' } };
  if (code === NFT_GOTO) return { kind: 'immediate', verdict: { code: 'goto', chain } };
  if (code === NFT_JUMP) return { kind: 'immediate', verdict: { code: 'jump', chain } };
  return undefined;
}
