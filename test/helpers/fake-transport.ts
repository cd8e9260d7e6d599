// A NetlinkTransport that records every request and answers from a script, so encoders and the handle's
// reply logic are unit-tested without privileges (cf. youki's FakeNetlinkClient).
import type { NetlinkTransport } from '../../lib/netlink/transport';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_MULTI } from '../../lib/netlink/nl/constants';

/** Builds a reply datagram part: one netlink message with the given header fields and body. */
export function replyMessage(type: number, flags: number, seq: number, body: Buffer, pid = 0): Buffer {
  const len = 16 + body.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq, 8);
  out.writeUInt32LE(pid, 12);
  body.copy(out, 16);
  return out;
}

/** An NLMSG_ERROR with `errno` (0 = ACK). */
export function ackMessage(seq: number, errno = 0): Buffer {
  const body = Buffer.alloc(20);
  body.writeInt32LE(-errno, 0);
  return replyMessage(NLMSG_ERROR, 0x100 /* NLM_F_CAPPED */, seq, body);
}

/** NLMSG_DONE ending a dump. */
export function doneMessage(seq: number): Buffer {
  return replyMessage(NLMSG_DONE, NLM_F_MULTI, seq, Buffer.alloc(4));
}

/**
 * Records requests; for each one, `respond(request, seq)` returns the datagrams to deliver
 * (by default a single ACK).
 */
export class FakeTransport implements NetlinkTransport {
  readonly portId = 4242;
  readonly sent: Buffer[] = [];
  #queue: Buffer[] = [];
  respond: (request: Buffer, seq: number) => Buffer[] = (_req, seq) => [ackMessage(seq)];

  send(request: Buffer): void {
    this.sent.push(Buffer.from(request));
    this.#queue.push(...this.respond(request, request.readUInt32LE(8)));
  }
  async sendAsync(request: Buffer): Promise<void> {
    this.send(request);
  }
  receive(): Buffer {
    const next = this.#queue.shift();
    if (!next) throw new Error('FakeTransport: receive with no reply queued');
    return next;
  }
  close(): void {}

  /** The last request with its seq and pid zeroed, as hex: stable for golden comparisons. */
  lastRequestHex(): string {
    const last = Buffer.from(this.sent.at(-1)!);
    last.writeUInt32LE(0, 8);
    last.writeUInt32LE(0, 12);
    return last.toString('hex');
  }
}

/** Golden hex written field by field from the uapi layouts; `//` comments, whitespace and `|` are for the reader. */
export const hex = (s: string): string => s.split('\n').map((l) => l.replace(/\/\/.*$/, '')).join('').replace(/[\s|]/g, '');
export const bytes = (s: string): Buffer => Buffer.from(hex(s), 'hex');
