import {
  AF_NETLINK, SOCK_RAW, SOL_SOCKET, SO_RCVBUF, SO_SNDBUF, SO_RCVTIMEO,
  ERRNO, bind, close, getsockname, recv, send, sendAsync, setsockoptInt, setsockoptRaw, socket, SysError,
} from '../sys';
import { NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_ROUTE, SOL_NETLINK } from './nl/constants';
import type { NetlinkTransport } from './transport';

const MSG_TRUNC = 0x20;
const RECEIVE_BUFFER = 64 * 1024; // the kernel sends dump chunks of at most 32 KiB
const RECEIVE_TIMEOUT_S = 10; // a reply that never comes becomes an error, not a hang

/**
 * An AF_NETLINK socket through koffi, NETLINK_ROUTE unless another protocol is asked for (conntrack
 * speaks NETLINK_NETFILTER). It belongs to the netns of the thread that created
 * it, for its whole life, whichever thread uses it later: that is how a handle is bound to a netns.
 */
export class NetlinkSocket implements NetlinkTransport {
  readonly fd: number;
  readonly portId: number;
  #rx = Buffer.alloc(RECEIVE_BUFFER);
  #open = true;

  constructor(protocol = NETLINK_ROUTE) {
    this.fd = socket(AF_NETLINK, SOCK_RAW, protocol);
    try {
      const sa = Buffer.alloc(12); // sockaddr_nl { family, pad, pid = 0: the kernel picks, groups = 0 }
      sa.writeUInt16LE(AF_NETLINK, 0);
      bind(this.fd, sa);
      this.portId = getsockname(this.fd, 12).readUInt32LE(4);
      setsockoptInt(this.fd, SOL_NETLINK, NETLINK_EXT_ACK, 1); // kernel error strings
      setsockoptInt(this.fd, SOL_NETLINK, NETLINK_CAP_ACK, 1); // errors do not echo the whole request
      setsockoptInt(this.fd, SOL_SOCKET, SO_SNDBUF, 32 * 1024);
      setsockoptInt(this.fd, SOL_SOCKET, SO_RCVBUF, 1024 * 1024);
      const tv = Buffer.alloc(16); // struct timeval
      tv.writeBigInt64LE(BigInt(RECEIVE_TIMEOUT_S), 0);
      setsockoptRaw(this.fd, SOL_SOCKET, SO_RCVTIMEO, tv);
    } catch (err) {
      close(this.fd);
      throw err;
    }
  }

  send(request: Buffer): void {
    send(this.fd, request);
  }

  async sendAsync(request: Buffer): Promise<void> {
    await sendAsync(this.fd, request);
  }

  receive(): Buffer {
    const n = recv(this.fd, this.#rx, MSG_TRUNC);
    if (n > this.#rx.length) throw new SysError('recv', ERRNO.EMSGSIZE, `netlink reply of ${n} bytes truncated`);
    return this.#rx.subarray(0, n);
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    close(this.fd);
  }
}
