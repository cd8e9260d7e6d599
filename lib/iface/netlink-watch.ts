/**
 * Waiting for the kernel without sleeping: a netlink socket subscribed to rtnetlink multicast groups,
 * so a wait ends on the event that answers it instead of on a timer. Subscribe first, then test the
 * state, then wait: a change between the test and the wait is then queued on the socket, not lost.
 */
import { AF_NETLINK, MSG_DONTWAIT, SOCK_RAW, SOL_SOCKET, SO_RCVBUF, SO_RCVTIMEO, bind, close, hasErrno, recv, setsockoptInt, setsockoptRaw, socket } from '../sys';
import { withNetns, type Netns } from '../netns';
import { NETLINK_ROUTE, splitMessages, type NlReply } from '../netlink';

/** RTMGRP_LINK, a bit of sockaddr_nl.nl_groups (<linux/rtnetlink.h>): link changes. */
export const RTMGRP_LINK = 0x1;
/** RTMGRP_IPV4_IFADDR: IPv4 address changes. */
export const RTMGRP_IPV4_IFADDR = 0x10;
/** RTMGRP_IPV6_IFADDR: IPv6 address changes (DAD completing or failing among them). */
export const RTMGRP_IPV6_IFADDR = 0x100;

const RECEIVE_BUFFER = 64 * 1024;
/** A burst of link events (a storm of parallel ADDs) must not overflow before we read it. */
const SOCKET_BUFFER = 512 * 1024;

/** One wait: the state test, how long to wait, and which events are worth testing again for. */
export interface WatchOptions {
  timeoutMs: number;
  /** Events that may answer the test (default: any event). An overrun always re-tests. */
  relevant?: (msg: NlReply) => boolean;
}

/**
 * A subscription to rtnetlink multicast groups in one netns. The socket is created inside `ns` (and
 * keeps that netns for its life), then used from the calling thread. Close it when done.
 */
export class NetlinkWatch {
  readonly #fd: number;
  readonly #rx = Buffer.alloc(RECEIVE_BUFFER);
  #open = true;

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /** Subscribes to `groups` (RTMGRP_* bits) in `ns`, or in the calling thread's netns. */
  static open(groups: number, ns?: Netns): NetlinkWatch {
    const create = (): number => {
      const fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      try {
        const sa = Buffer.alloc(12); // sockaddr_nl { family, pad, pid 0 (kernel picks), groups }
        sa.writeUInt16LE(AF_NETLINK, 0);
        sa.writeUInt32LE(groups >>> 0, 8);
        bind(fd, sa);
        setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER);
        return fd;
      } catch (err) {
        close(fd);
        throw err;
      }
    };
    return new NetlinkWatch(ns ? withNetns(ns, create) : create());
  }

  /**
   * Resolves true as soon as `test` does: it runs now, then again after each relevant event, until
   * `timeoutMs` has passed (then false, after one last test). The thread blocks in recv(2) between
   * events, which a plugin can afford: it has nothing else to do while the kernel catches up.
   */
  async until(test: () => Promise<boolean>, opts: WatchOptions): Promise<boolean> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      if (await test()) return true;
      const woke = this.#waitRelevant(deadline, opts.relevant);
      if (!woke) return test();
    }
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    close(this.#fd);
  }

  /** Blocks until a relevant event or an overrun (true), or the deadline (false). */
  #waitRelevant(deadline: number, relevant?: (msg: NlReply) => boolean): boolean {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const batch = this.#receive(left);
      if (batch === 'timeout') return false;
      if (batch === 'overrun' || !relevant || batch.some(relevant)) return true;
    }
  }

  /** One blocking receive (bounded by `ms`), then whatever else is already queued. */
  #receive(ms: number): NlReply[] | 'timeout' | 'overrun' {
    const tv = Buffer.alloc(16); // struct timeval; a zero timeout would mean "wait for ever"
    const waitMs = Math.max(1, Math.ceil(ms));
    tv.writeBigInt64LE(BigInt(Math.floor(waitMs / 1000)), 0);
    tv.writeBigInt64LE(BigInt((waitMs % 1000) * 1000), 8);
    setsockoptRaw(this.#fd, SOL_SOCKET, SO_RCVTIMEO, tv);
    const out: NlReply[] = [];
    try {
      const n = recv(this.#fd, this.#rx);
      out.push(...splitMessages(this.#rx, n));
      for (let m = recv(this.#fd, this.#rx, MSG_DONTWAIT); m > 0; m = recv(this.#fd, this.#rx, MSG_DONTWAIT)) {
        out.push(...splitMessages(this.#rx, m));
      }
    } catch (err) {
      if (hasErrno(err, 'EAGAIN') || hasErrno(err, 'EWOULDBLOCK')) return out.length > 0 ? out : 'timeout';
      // The kernel dropped events for a full buffer: the state must be read again.
      if (hasErrno(err, 'ENOBUFS')) return 'overrun';
      throw err;
    }
    return out;
  }
}

/** The ifindex an RTM_*LINK (ifinfomsg) or RTM_*ADDR (ifaddrmsg) event is about; both keep it at byte 4. */
export function eventIndex(msg: NlReply): number | undefined {
  return msg.body.length >= 8 ? msg.body.readInt32LE(4) : undefined;
}
