/**
 * Reading a table back (synchronous, as the firewall code is): NFT_MSG_GETTABLE / GETCHAIN / GETRULE / GETSET dumps and the decoding of their
 * NEW* replies into what the firewall code needs (names, rule handles, comments, expressions).
 * nft equivalent: `nft -a list table inet <t>`.
 */
import type { NetlinkHandle } from '../handle';
import { attrMap, attrStr } from '../nl/attrs';
import { NlMessage } from '../nl/message';
import type { NlReply } from '../nl/reply';
import { NLM_F_DUMP, NLM_F_REQUEST } from '../nl/constants';
import {
  NFTA_CHAIN_NAME, NFTA_CHAIN_TABLE, NFTA_CHAIN_USERDATA, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS, NFTA_RULE_HANDLE, NFTA_RULE_TABLE,
  NFTA_RULE_USERDATA, NFTA_SET_NAME, NFTA_SET_TABLE, NFTA_TABLE_NAME, NFTA_TABLE_USERDATA, NFT_MSG_GETCHAIN, NFT_MSG_GETRULE,
  NFT_MSG_GETSET, NFT_MSG_GETTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE, NFT_MSG_NEWSET, NFT_MSG_NEWTABLE, nftType,
} from './constants';
import { decodeExprs, type NftExpr } from './expr';
import { nfgenmsg } from './ops';
import { userdataComment } from './userdata';

const NFGENMSG_LEN = 4;

/** A table, chain or set as dumped: its name and comment. */
export interface NftObjectInfo {
  readonly table: string;
  readonly name: string;
  readonly comment?: string;
}

/** A rule as dumped. `exprs` has undefined where an expression is not one berth writes. */
export interface NftRuleInfo {
  readonly table: string;
  readonly chain: string;
  readonly handle: number;
  readonly comment?: string;
  readonly exprs: ReadonlyArray<NftExpr | undefined>;
}

const withComment = (c: string | undefined): { comment?: string } => (c === undefined ? {} : { comment: c });

/** Decodes an NFT_MSG_NEWRULE reply. */
export function decodeRule(reply: NlReply): NftRuleInfo {
  const a = attrMap(reply.body, NFGENMSG_LEN);
  const handle = a.get(NFTA_RULE_HANDLE);
  const exprs = a.get(NFTA_RULE_EXPRESSIONS);
  return {
    table: attrStr(a.get(NFTA_RULE_TABLE)) ?? '',
    chain: attrStr(a.get(NFTA_RULE_CHAIN)) ?? '',
    handle: handle && handle.length >= 8 ? Number(handle.readBigUInt64BE(0)) : 0,
    ...withComment(userdataComment(a.get(NFTA_RULE_USERDATA))),
    exprs: exprs ? decodeExprs(exprs) : [],
  };
}

/** Decodes an NFT_MSG_NEWTABLE, NEWCHAIN or NEWSET reply. */
export function decodeObject(reply: NlReply): NftObjectInfo {
  const a = attrMap(reply.body, NFGENMSG_LEN);
  switch (reply.type) {
    case nftType(NFT_MSG_NEWTABLE): {
      const name = attrStr(a.get(NFTA_TABLE_NAME)) ?? '';
      return { table: name, name, ...withComment(userdataComment(a.get(NFTA_TABLE_USERDATA))) };
    }
    case nftType(NFT_MSG_NEWCHAIN):
      return { table: attrStr(a.get(NFTA_CHAIN_TABLE)) ?? '', name: attrStr(a.get(NFTA_CHAIN_NAME)) ?? '', ...withComment(userdataComment(a.get(NFTA_CHAIN_USERDATA))) };
    default: // NEWSET: its userdata is not a comment TLV list berth reads
      return { table: attrStr(a.get(NFTA_SET_TABLE)) ?? '', name: attrStr(a.get(NFTA_SET_NAME)) ?? '' };
  }
}

/**
 * The dump request of `msg` in `family`, narrowed to `table` (the kernel filters dumps by the table
 * attribute; each object type spells it 1).
 */
function dumpRequest(msg: number, family: number, table: string): NlMessage {
  return new NlMessage(nftType(msg), NLM_F_REQUEST | NLM_F_DUMP).raw(nfgenmsg(family)).str(NFTA_RULE_TABLE, table);
}

function dump(h: NetlinkHandle, msg: number, reply: number, family: number, table: string, what: string): NlReply[] {
  const replies = h.requestSync(dumpRequest(msg, family, table), { describe: `${what} dump of table ${table}` });
  return replies.filter((r) => r.type === nftType(reply));
}

/** The rules of `table` (every chain), in chain order. `nft -a list table`. */
export function nftListRules(h: NetlinkHandle, family: number, table: string): NftRuleInfo[] {
  return (dump(h, NFT_MSG_GETRULE, NFT_MSG_NEWRULE, family, table, 'NFT_MSG_GETRULE')).map(decodeRule).filter((r) => r.table === table);
}

/** The chains of `table`. `nft list chains`. */
export function nftListChains(h: NetlinkHandle, family: number, table: string): NftObjectInfo[] {
  return (dump(h, NFT_MSG_GETCHAIN, NFT_MSG_NEWCHAIN, family, table, 'NFT_MSG_GETCHAIN')).map(decodeObject).filter((c) => c.table === table);
}

/** The sets of `table` (anonymous ones included). `nft list sets`. */
export function nftListSets(h: NetlinkHandle, family: number, table: string): NftObjectInfo[] {
  return (dump(h, NFT_MSG_GETSET, NFT_MSG_NEWSET, family, table, 'NFT_MSG_GETSET')).map(decodeObject).filter((s) => s.table === table);
}

/** The table `table`, or undefined when it does not exist (ENOENT). `nft list table`. */
export function nftGetTable(h: NetlinkHandle, family: number, table: string): NftObjectInfo | undefined {
  const m = new NlMessage(nftType(NFT_MSG_GETTABLE), NLM_F_REQUEST).raw(nfgenmsg(family)).str(NFTA_TABLE_NAME, table);
  try {
    const replies = h.requestSync(m, { describe: `NFT_MSG_GETTABLE ${table}` });
    const r = replies.find((x) => x.type === nftType(NFT_MSG_NEWTABLE));
    return r ? decodeObject(r) : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}
