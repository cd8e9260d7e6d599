/**
 * An nf_tables transaction: the ops between NFNL_MSG_BATCH_BEGIN and NFNL_MSG_BATCH_END, sent in one
 * sendmsg as `nft -f` sends them. The kernel applies the batch whole or not at all: one failing message
 * aborts every other, so a batch that deletes rules by handle fails whole when a concurrent writer
 * removed one of them (the retry-on-race contract of lib/firewall relies on it).
 */
import { NlMessage } from '../nl/message';
import { NLM_F_REQUEST } from '../nl/constants';
import { NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES } from './constants';
import { encodeOp, nfgenmsg, type NftOp } from './ops';

const AF_UNSPEC = 0;

/** The delimiter messages: nfgenmsg's res_id names the subsystem the batch is for. */
const delimiter = (type: number): NlMessage => new NlMessage(type, NLM_F_REQUEST).raw(nfgenmsg(AF_UNSPEC, NFNL_SUBSYS_NFTABLES));

/** The messages of a transaction of `ops` in `family`, delimiters included. */
export function batchMessages(ops: readonly NftOp[], family: number): NlMessage[] {
  return [delimiter(NFNL_MSG_BATCH_BEGIN), ...ops.map((op) => encodeOp(op, family)), delimiter(NFNL_MSG_BATCH_END)];
}

/** The bytes of `messages` as one datagram, numbered from `seq` on (the kernel answers by sequence). */
export function serializeBatch(messages: readonly NlMessage[], seq: number): Buffer {
  return Buffer.concat(messages.map((m, i) => m.serialize((seq + i) >>> 0)));
}
