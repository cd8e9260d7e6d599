/**
 * The changes a transaction makes, as data (so planning stays pure and is tested without a kernel),
 * and their encoding as nf_tables messages. Each encoder writes the attributes libnftnl writes for the
 * same `nft` command, in the same order: the golden tests compare against bytes nft sent.
 */
import { NlMessage } from '../nl/message';
import { NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST } from '../nl/constants';
import {
  NFTA_CHAIN_HOOK, NFTA_CHAIN_NAME, NFTA_CHAIN_TABLE, NFTA_CHAIN_TYPE, NFTA_CHAIN_USERDATA, NFTA_HOOK_HOOKNUM, NFTA_HOOK_PRIORITY,
  NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS, NFTA_RULE_HANDLE, NFTA_RULE_TABLE, NFTA_RULE_USERDATA, NFTA_TABLE_FLAGS, NFTA_TABLE_NAME,
  NFTA_TABLE_USERDATA, NFT_MSG_DELRULE, NFT_MSG_DELTABLE, NFT_MSG_NEWCHAIN, NFT_MSG_NEWRULE, NFT_MSG_NEWTABLE, nftType,
} from './constants';
import { be32, encodeExprs, type NftExpr } from './expr';
import { commentUserdata } from './userdata';

/** A base chain's hook: `type nat hook postrouting priority 100`. */
export interface NftHook {
  readonly type: 'filter' | 'nat' | 'route';
  readonly hooknum: number;
  readonly priority: number;
}

/** One change of a transaction; the nft command each mirrors is in its comment. */
export type NftOp =
  /** `add table <t> { comment "..." ; }`: create if missing. */
  | { readonly op: 'addTable'; readonly table: string; readonly comment?: string }
  /** `add chain <t> <c> { type ... hook ... priority ... ; comment "..." ; }`: create if missing. */
  | { readonly op: 'addChain'; readonly table: string; readonly chain: string; readonly hook?: NftHook; readonly comment?: string }
  /** `flush chain <t> <c>`: NFT_MSG_DELRULE naming the chain and no handle. */
  | { readonly op: 'flushChain'; readonly table: string; readonly chain: string }
  /** `add rule <t> <c> ... comment "..."`: appended. */
  | { readonly op: 'addRule'; readonly table: string; readonly chain: string; readonly exprs: readonly NftExpr[]; readonly comment?: string }
  /** `delete rule <t> <c> handle <h>`: ENOENT when that handle is gone. */
  | { readonly op: 'deleteRule'; readonly table: string; readonly chain: string; readonly handle: number }
  /** `delete table <t>`: with everything in it. */
  | { readonly op: 'deleteTable'; readonly table: string };

/** nfgenmsg { family, version NFNETLINK_V0, res_id 0 }. */
export const nfgenmsg = (family: number, resId = 0): Buffer => {
  const b = Buffer.from([family, 0, 0, 0]);
  b.writeUInt16BE(resId, 2);
  return b;
};

const be64 = (v: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
};

const msg = (type: number, flags: number, family: number): NlMessage =>
  new NlMessage(nftType(type), NLM_F_REQUEST | NLM_F_ACK | flags).raw(nfgenmsg(family));

/** The message of `op` in `family` (NFPROTO_INET for the masquerade table). Every one asks for an ACK. */
export function encodeOp(op: NftOp, family: number): NlMessage {
  switch (op.op) {
    case 'addTable': {
      const m = msg(NFT_MSG_NEWTABLE, NLM_F_CREATE, family).str(NFTA_TABLE_NAME, op.table).attr(NFTA_TABLE_FLAGS, be32(0));
      if (op.comment !== undefined) m.attr(NFTA_TABLE_USERDATA, commentUserdata(op.comment));
      return m;
    }
    case 'addChain': {
      const m = msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE, family).str(NFTA_CHAIN_TABLE, op.table).str(NFTA_CHAIN_NAME, op.chain);
      const hook = op.hook;
      if (hook) {
        m.str(NFTA_CHAIN_TYPE, hook.type);
        m.nest(NFTA_CHAIN_HOOK, () => m.attr(NFTA_HOOK_HOOKNUM, be32(hook.hooknum)).attr(NFTA_HOOK_PRIORITY, be32(hook.priority)), true);
      }
      if (op.comment !== undefined) m.attr(NFTA_CHAIN_USERDATA, commentUserdata(op.comment));
      return m;
    }
    case 'flushChain':
      return msg(NFT_MSG_DELRULE, 0, family).str(NFTA_RULE_TABLE, op.table).str(NFTA_RULE_CHAIN, op.chain);
    case 'addRule': {
      const m = msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, family).str(NFTA_RULE_TABLE, op.table).str(NFTA_RULE_CHAIN, op.chain);
      m.nest(NFTA_RULE_EXPRESSIONS, () => encodeExprs(m, op.exprs), true);
      if (op.comment !== undefined) m.attr(NFTA_RULE_USERDATA, commentUserdata(op.comment));
      return m;
    }
    case 'deleteRule':
      return msg(NFT_MSG_DELRULE, 0, family).str(NFTA_RULE_TABLE, op.table).str(NFTA_RULE_CHAIN, op.chain).attr(NFTA_RULE_HANDLE, be64(op.handle));
    case 'deleteTable':
      return msg(NFT_MSG_DELTABLE, 0, family).str(NFTA_TABLE_NAME, op.table);
    default: {
      const never: never = op;
      throw new TypeError(`unknown nftables op ${JSON.stringify(never)}`);
    }
  }
}
