import assert from 'node:assert/strict';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import { NlMessage } from '../../../../lib/netlink/nl/message';
import {
  NLMSG_ERROR, NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_MULTI, NLM_F_REQUEST,
  RTM_GETLINK, RTM_NEWLINK,
} from '../../../../lib/netlink/nl/constants';
import { FakeTransport, ackMessage, doneMessage, replyMessage } from '../../../helpers/fake-transport';

const linkMsg = (name: string) => new NlMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK).raw(Buffer.alloc(16)).str(3, name);

/** An NLMSG_ERROR carrying extended-ack TLVs after a capped header. */
function extackError(seq: number, errno: number, text: string): Buffer {
  const msg = Buffer.from(`${text}\0`);
  const tlvLen = 4 + msg.length;
  const body = Buffer.alloc(4 + 16 + ((tlvLen + 3) & ~3));
  body.writeInt32LE(-errno, 0);
  body.writeUInt32LE(32, 4); // the original request's nlmsghdr (capped: header only)
  body.writeUInt16LE(tlvLen, 20);
  body.writeUInt16LE(1 /* NLMSGERR_ATTR_MSG */, 22);
  msg.copy(body, 24);
  return replyMessage(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, seq, body);
}

describe('lib/netlink/handle', () => {
  it('returns on the ACK and numbers requests', async () => {
    const t = new FakeTransport();
    const h = new NetlinkHandle(t);
    assert.deepEqual(await h.request(linkMsg('a')), []);
    await h.request(linkMsg('b'));
    assert.equal(t.sent[1].readUInt32LE(8), t.sent[0].readUInt32LE(8) + 1);
  });

  it('turns NLMSG_ERROR into a NetlinkError with errno name and extended ack', async () => {
    const t = new FakeTransport();
    t.respond = (_r, seq) => [extackError(seq, 95, 'Unknown device type')];
    const h = new NetlinkHandle(t);
    await assert.rejects(h.request(linkMsg('x'), { describe: 'RTM_NEWLINK "x"' }), {
      name: 'NetlinkError', code: 'EOPNOTSUPP', errno: 95, extack: 'Unknown device type',
      message: 'RTM_NEWLINK "x": EOPNOTSUPP (Unknown device type)',
    });
    t.respond = (_r, seq) => [ackMessage(seq, 17)];
    await assert.rejects(h.request(linkMsg('x')), { code: 'EEXIST', message: 'RTM_NEWLINK: EEXIST' });
  });

  it('skips replies to other sequence numbers', async () => {
    const t = new FakeTransport();
    t.respond = (_r, seq) => [ackMessage(seq - 1, 17), ackMessage(seq)];
    await new NetlinkHandle(t).request(linkMsg('a'));
  });

  it('collects a multi-part dump up to NLMSG_DONE, across datagrams', async () => {
    const t = new FakeTransport();
    t.respond = (_r, seq) => [
      Buffer.concat([replyMessage(16, NLM_F_MULTI, seq, Buffer.alloc(16, 1)), replyMessage(16, NLM_F_MULTI, seq, Buffer.alloc(16, 2))]),
      Buffer.concat([replyMessage(16, NLM_F_MULTI, seq, Buffer.alloc(16, 3)), doneMessage(seq)]),
    ];
    const replies = await new NetlinkHandle(t).request(new NlMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP).raw(Buffer.alloc(16)));
    assert.deepEqual(replies.map((r) => r.body[0]), [1, 2, 3]);
  });

  it('asks again for a dump the kernel marked interrupted, and gives up after 5 retries', async () => {
    const t = new FakeTransport();
    let calls = 0;
    t.respond = (_r, seq) => {
      calls += 1;
      const flags = calls < 3 ? NLM_F_MULTI | NLM_F_DUMP_INTR : NLM_F_MULTI;
      return [Buffer.concat([replyMessage(16, flags, seq, Buffer.alloc(16, calls)), doneMessage(seq)])];
    };
    const h = new NetlinkHandle(t);
    const dump = () => h.request(new NlMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP).raw(Buffer.alloc(16)));
    const replies = await dump();
    assert.equal(calls, 3);
    assert.deepEqual(replies.map((r) => r.body[0]), [3]);
    t.respond = (_r, seq) => [Buffer.concat([replyMessage(16, NLM_F_MULTI | NLM_F_DUMP_INTR, seq, Buffer.alloc(16)), doneMessage(seq)])];
    await assert.rejects(dump(), { code: 'EINTR', message: /dump interrupted 6 times/ });
  });

  it('refuses overlapping requests on one handle', async () => {
    const t = new FakeTransport();
    const h = new NetlinkHandle(t);
    const slow = h.request(linkMsg('a'), { slow: true });
    await assert.rejects(h.request(linkMsg('b')), /concurrent requests/);
    await slow;
  });
});
