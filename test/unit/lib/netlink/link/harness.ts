// Shared by the link unit tests: a handle over a recording FakeTransport, and golden hex written as
// commented fragments (whitespace is ignored) so each field of the uapi layout can be read and checked.
import { NetlinkHandle } from '../../../../../lib/netlink/handle';
import { FakeTransport, ackMessage, replyMessage } from '../../../../helpers/fake-transport';
import { RTM_GETLINK, RTM_NEWLINK } from '../../../../../lib/netlink/nl/constants';
import { attrList, attrMap } from '../../../../../lib/netlink/nl/attrs';
import { IFLA_INFO_DATA, IFLA_LINKINFO } from '../../../../../lib/netlink/link/constants';

/** Joins hex fragments, dropping whitespace. */
export function hex(...parts: string[]): string {
  return parts.join('').replace(/\s+/g, '');
}

/** A handle over a fresh FakeTransport (each request answered with an ACK unless `respond` is replaced). */
export function fakeHandle(): { h: NetlinkHandle; t: FakeTransport } {
  const t = new FakeTransport();
  return { h: new NetlinkHandle(t), t };
}

/** The request type (nlmsg_type) of a recorded request. */
export function requestType(req: Buffer): number {
  return req.readUInt16LE(4);
}

/** Answers RTM_GETLINK with `body` as the RTM_NEWLINK reply (then the ACK), and everything else with `other(seq)`. */
export function answerGetLink(t: FakeTransport, body: Buffer, other: (seq: number) => Buffer[] = (seq) => [ackMessage(seq)]): void {
  t.respond = (req, seq) => (requestType(req) === RTM_GETLINK ? [replyMessage(RTM_NEWLINK, 0, seq, body), ackMessage(seq)] : other(seq));
}

/** A request with its seq and pid zeroed, as hex. */
export function stableHex(req: Buffer): string {
  const b = Buffer.from(req);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  return b.toString('hex');
}

/** The IFLA_INFO_DATA payload of an RTM_NEWLINK request; its attributes start at `off` (after nlmsghdr + ifinfomsg). */
export function requestInfoData(req: Buffer, off = 32): Buffer | undefined {
  const linkinfo = attrMap(req, off).get(IFLA_LINKINFO);
  return linkinfo && attrMap(linkinfo).get(IFLA_INFO_DATA);
}

/** Attributes of `buf[off..]` as sorted `type:hex` strings, strings compared without their NUL (order-free comparison). */
export function attrSet(buf: Buffer, off = 0, stripNul: number[] = []): string[] {
  return attrList(buf, off).map((a) => {
    let data = a.data;
    if (stripNul.includes(a.type) && data.at(-1) === 0) data = data.subarray(0, -1);
    return `${a.type}:${data.toString('hex')}`;
  }).sort();
}
