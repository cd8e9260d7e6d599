/**
 * Opening nf_tables and applying a transaction: the I/O half of the package, over the same
 * NetlinkHandle as rtnetlink and conntrack (NETLINK_NETFILTER, like ctnetlink).
 */
import type { Netns } from '../../netns';
import { NetlinkHandle } from '../handle';
import { NETLINK_NETFILTER } from '../conntrack';
import { batchMessages } from './batch';
import { nfgenmsg, type NftOp } from './ops';
import { NlMessage } from '../nl/message';
import { NLM_F_REQUEST } from '../nl/constants';
import { NFT_MSG_GETGEN, nftType } from './constants';

/**
 * Whether nf_tables answers here: NFT_MSG_GETGEN succeeds. nfnetlink asks CAP_NET_ADMIN of every
 * message, so this also proves the privileges a transaction needs (what `nft --check` proved).
 */
export function nftGenerationReadable(h: NetlinkHandle): boolean {
  try {
    h.requestSync(new NlMessage(nftType(NFT_MSG_GETGEN), NLM_F_REQUEST).raw(nfgenmsg(0)), { describe: 'NFT_MSG_GETGEN' });
    return true;
  } catch {
    return false;
  }
}

/** A handle speaking nf_tables in `netns` (the caller's when omitted). */
export function openNftables(netns?: Netns): NetlinkHandle {
  return NetlinkHandle.open(netns, NETLINK_NETFILTER);
}

/** A short name of an op for error messages: `deleteRule masq_checks handle 7`. */
function describeOp(op: NftOp | undefined): string {
  if (!op) return 'NFNL_MSG_BATCH';
  switch (op.op) {
    case 'addTable': case 'deleteTable': return `nftables ${op.op} ${op.table}`;
    case 'deleteRule': return `nftables deleteRule ${op.table} ${op.chain} handle ${op.handle}`;
    default: return `nftables ${op.op} ${op.table} ${op.chain}`;
  }
}

/**
 * Applies `ops` in `family` as one transaction: all or nothing, as `nft -f`.
 * @throws {NetlinkError} the first op the kernel refused (ENOENT: a table, chain or rule handle that
 *   is not there; EEXIST, EBUSY...), the whole batch then aborted
 */
export function nftApply(h: NetlinkHandle, family: number, ops: readonly NftOp[]): void {
  if (ops.length === 0) return;
  h.requestBatch(batchMessages(ops, family), (i) => describeOp(ops[i - 1]));
}
