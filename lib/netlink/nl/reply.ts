import { NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSG_HDRLEN, NLM_F_ACK_TLVS, NLM_F_CAPPED, align4 } from './constants';
import { attrMap, attrStr, attrU32 } from './attrs';

/** One received netlink message; `body` is a copy, safe to keep after the receive buffer is reused. */
export interface NlReply {
  type: number;
  flags: number;
  seq: number;
  pid: number;
  body: Buffer;
}

/** Splits a datagram into its netlink messages. */
export function splitMessages(buf: Buffer, length = buf.length): NlReply[] {
  const out: NlReply[] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= length;) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > length) break;
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      body: Buffer.from(buf.subarray(off + NLMSG_HDRLEN, off + len)),
    });
    off += align4(len);
  }
  return out;
}

/** A decoded NLMSG_ERROR: error 0 is the ACK; otherwise a negative errno, plus the kernel's extended ack. */
export interface NlErrorReply {
  /** The errno value (positive), 0 for an ACK. */
  errno: number;
  /** NLMSGERR_ATTR_MSG: the kernel's explanation, e.g. "Unknown device type". */
  extack?: string;
  /** NLMSGERR_ATTR_OFFS: the byte offset in the request of the attribute the kernel rejected. */
  offset?: number;
}

/**
 * Decodes struct nlmsgerr { int error; struct nlmsghdr msg; } followed by the echoed request payload
 * (absent when NLM_F_CAPPED) and the extended-ack TLVs (present when NLM_F_ACK_TLVS).
 */
export function parseErrorReply(reply: NlReply): NlErrorReply {
  const error = reply.body.readInt32LE(0);
  if (error === 0 || !(reply.flags & NLM_F_ACK_TLVS)) return { errno: -error };
  const echoed = reply.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(reply.body.readUInt32LE(4));
  const tlv = attrMap(reply.body, 4 + echoed);
  const extack = attrStr(tlv.get(NLMSGERR_ATTR_MSG));
  const offset = attrU32(tlv.get(NLMSGERR_ATTR_OFFS));
  return { errno: -error, ...(extack ? { extack } : {}), ...(offset !== undefined ? { offset } : {}) };
}
