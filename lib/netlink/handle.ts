import { withNetns, type Netns } from '../netns';
import { ERRNO } from '../sys';
import { NlMessage } from './nl/message';
import { parseErrorReply, splitMessages, type NlReply } from './nl/reply';
import {
  NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, NLMSG_OVERRUN, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, RTM_NAMES,
} from './nl/constants';
import { NetlinkError } from './errors';
import { NetlinkSocket } from './socket';
import type { NetlinkTransport } from './transport';

/** How many times a dump the kernel marked interrupted (NLM_F_DUMP_INTR) is asked for again. */
const DUMP_RETRIES = 5;

/** Options of one request. */
export interface RequestOptions {
  /** Names the request in errors, e.g. `RTM_NEWLINK "br0"`. */
  describe?: string;
  /** Send from a pool thread: the kernel holds slow requests (RTM_DELLINK) inside send() for tens of ms. */
  slow?: boolean;
}

/**
 * A route netlink handle bound to one network namespace: requests, acks, dumps and errors.
 * Open it with `NetlinkHandle.open(netns)`; the socket is created inside `netns` and stays there, so the
 * handle is then used from the host thread with no further namespace switching. Not re-entrant: one
 * request at a time per handle (the object API awaits each before the next).
 */
export class NetlinkHandle {
  readonly #transport: NetlinkTransport;
  #seq = Math.floor(Date.now() / 1000) >>> 0;
  #busy = false;

  constructor(transport: NetlinkTransport) {
    this.#transport = transport;
  }

  /**
   * A handle whose socket lives in `netns` (the caller's netns when omitted), speaking rtnetlink or the
   * netlink `protocol` given (NETLINK_NETFILTER for conntrack).
   */
  static open(netns?: Netns, protocol?: number): NetlinkHandle {
    return new NetlinkHandle(netns ? withNetns(netns, () => new NetlinkSocket(protocol)) : new NetlinkSocket(protocol));
  }

  /**
   * Sends `msg` and collects its replies. For NLM_F_ACK requests the data replies before the ACK are
   * returned (empty for a plain create); for dumps every message up to NLMSG_DONE, asked again when the
   * kernel says the dump was interrupted by a concurrent change.
   * @throws {NetlinkError} the kernel's NLMSG_ERROR, with errno name and extended-ack text
   */
  async request(msg: NlMessage, opts: RequestOptions = {}): Promise<NlReply[]> {
    if (this.#busy) throw new Error('NetlinkHandle: concurrent requests on one handle');
    this.#busy = true;
    try {
      const dump = (msg.flags & NLM_F_DUMP) === NLM_F_DUMP;
      for (let attempt = 0; ; attempt++) {
        const { replies, interrupted } = await this.#exchange(msg, opts);
        if (!dump || !interrupted) return replies;
        if (attempt >= DUMP_RETRIES) throw new NetlinkError(`${describe(msg, opts)} (dump interrupted ${attempt + 1} times)`, ERRNO.EINTR);
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Sends `msgs` as one datagram (an nfnetlink batch: its delimiters included by the caller) and waits
   * for the answer to every message that asked for an ACK. nfnetlink serves the whole batch inside
   * sendmsg and reports each message's ACK or error, also when a failure aborted the batch.
   * @throws {NetlinkError} the first message the kernel refused, named by `describe(index)`
   */
  requestBatch(msgs: readonly NlMessage[], describeMsg: (index: number) => string): void {
    if (this.#busy) throw new Error('NetlinkHandle: concurrent requests on one handle');
    this.#busy = true;
    try {
      const first = (this.#seq + 1) >>> 0;
      this.#seq = (this.#seq + msgs.length) >>> 0;
      this.#transport.send(Buffer.concat(msgs.map((m, i) => m.serialize((first + i) >>> 0))));
      const pending = new Set(msgs.flatMap((m, i) => ((m.flags & NLM_F_ACK) !== 0 ? [(first + i) >>> 0] : [])));
      let failure: NetlinkError | undefined;
      while (pending.size > 0) {
        for (const reply of splitMessages(this.#transport.receive())) {
          if (reply.type !== NLMSG_ERROR || !pending.has(reply.seq)) continue;
          if (reply.pid !== 0 && reply.pid !== this.#transport.portId) continue;
          pending.delete(reply.seq);
          const { errno, extack } = parseErrorReply(reply);
          if (errno !== 0 && !failure) failure = new NetlinkError(describeMsg((reply.seq - first) >>> 0), errno, extack);
        }
      }
      if (failure) throw failure;
    } finally {
      this.#busy = false;
    }
  }

  close(): void {
    this.#transport.close();
  }

  async #exchange(msg: NlMessage, opts: RequestOptions): Promise<{ replies: NlReply[]; interrupted: boolean }> {
    const seq = (this.#seq = (this.#seq + 1) >>> 0);
    const bytes = msg.serialize(seq);
    if (opts.slow) await this.#transport.sendAsync(bytes);
    else this.#transport.send(bytes);
    return this.#collect(msg, seq, opts);
  }

  /**
   * request() without the event loop, for callers that are synchronous end to end (the firewall code,
   * which must not yield inside withNetns). Same replies and errors; never from a pool thread.
   */
  requestSync(msg: NlMessage, opts: Omit<RequestOptions, 'slow'> = {}): NlReply[] {
    if (this.#busy) throw new Error('NetlinkHandle: concurrent requests on one handle');
    this.#busy = true;
    try {
      const dump = (msg.flags & NLM_F_DUMP) === NLM_F_DUMP;
      for (let attempt = 0; ; attempt++) {
        const seq = (this.#seq = (this.#seq + 1) >>> 0);
        this.#transport.send(msg.serialize(seq));
        const { replies, interrupted } = this.#collect(msg, seq, opts);
        if (!dump || !interrupted) return replies;
        if (attempt >= DUMP_RETRIES) throw new NetlinkError(`${describe(msg, opts)} (dump interrupted ${attempt + 1} times)`, ERRNO.EINTR);
      }
    } finally {
      this.#busy = false;
    }
  }

  #collect(msg: NlMessage, seq: number, opts: RequestOptions): { replies: NlReply[]; interrupted: boolean } {
    const wantsAck = (msg.flags & NLM_F_ACK) !== 0;
    const replies: NlReply[] = [];
    let interrupted = false;
    for (;;) {
      const datagram = this.#transport.receive();
      for (const reply of splitMessages(datagram)) {
        // Replies to an earlier request that was abandoned (an exception mid-dump) are skipped.
        if (reply.seq !== seq || (reply.pid !== 0 && reply.pid !== this.#transport.portId)) continue;
        if (reply.flags & NLM_F_DUMP_INTR) interrupted = true;
        switch (reply.type) {
          case NLMSG_NOOP:
            continue;
          case NLMSG_ERROR: {
            const { errno, extack } = parseErrorReply(reply);
            if (errno === 0) return { replies, interrupted };
            throw new NetlinkError(describe(msg, opts), errno, extack);
          }
          case NLMSG_DONE: {
            // A dump may end with an error code in the DONE payload.
            const errno = reply.body.length >= 4 ? -reply.body.readInt32LE(0) : 0;
            if (errno > 0) throw new NetlinkError(describe(msg, opts), errno);
            if (!wantsAck) return { replies, interrupted };
            continue;
          }
          case NLMSG_OVERRUN:
            throw new NetlinkError(describe(msg, opts), ERRNO.ENOBUFS, 'netlink overrun');
          default:
            replies.push(reply);
            if (!(reply.flags & NLM_F_MULTI) && !wantsAck) return { replies, interrupted };
        }
      }
    }
  }
}

function describe(msg: NlMessage, opts: RequestOptions): string {
  return opts.describe ?? RTM_NAMES[msg.type] ?? `netlink type ${msg.type}`;
}
