import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  DnsFormatError, TYPE, decodeMessage, decodeName, encodeMessage, encodeName, formatErrorReply, parseReverseName, reverseName, truncateForUdp,
  addressRecord, type Message,
} from '../../../../lib/dns';
import { parseIP } from '../../../../lib/ip';

const query = (name: string, type: number = TYPE.A): Message => ({
  id: 0x1234, flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 },
  questions: [{ name, type, class: 1 }], answers: [], authorities: [], additionals: [],
});

describe('lib/dns/wire', () => {
  it('round-trips a message with answers', () => {
    const m: Message = { ...query('web.dnsnet'), answers: [addressRecord('web.dnsnet', parseIP('10.1.2.3')!, 0), addressRecord('web.dnsnet', parseIP('fd00::5')!, 0)] };
    const back = decodeMessage(encodeMessage(m));
    assert.equal(back.id, 0x1234);
    assert.deepEqual(back.questions, m.questions);
    assert.deepEqual(back.answers.map((a) => [a.name, a.type, [...a.data]]), m.answers.map((a) => [a.name, a.type, [...a.data]]));
  });
  it('follows compression pointers backwards, refuses loops and forward pointers', () => {
    const msg = Buffer.concat([Buffer.alloc(12), Buffer.from([3, 0x77, 0x65, 0x62, 0]), Buffer.from([1, 0x61, 0xc0, 12])]);
    assert.equal(decodeName(msg, 17).name, 'a.web');
    const loop = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 12])]);
    assert.throws(() => decodeName(loop, 12), DnsFormatError);
    const forward = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 14, 0])]);
    assert.throws(() => decodeName(forward, 12), DnsFormatError);
  });
  it('refuses truncated packets, huge counts, long names and labels with a DnsFormatError', () => {
    const full = encodeMessage(query('example.test'));
    for (let n = 0; n < full.length; n++) assert.throws(() => decodeMessage(full.subarray(0, n)), DnsFormatError, `cut at ${n}`);
    const huge = Buffer.from(full);
    huge.writeUInt16BE(0xffff, 4);
    huge.writeUInt16BE(0xffff, 6);
    assert.throws(() => decodeMessage(huge), DnsFormatError);
    assert.throws(() => encodeName(`${'a'.repeat(64)}.test`), DnsFormatError);
    assert.throws(() => encodeName(Array(130).fill('ab').join('.')), DnsFormatError);
    // Five 63-byte labels in the question: 321 bytes, over the 255 a name may have.
    const long = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...Array.from({ length: 5 }, () => Buffer.from([63, ...Buffer.alloc(63, 0x61)])), Buffer.from([0, 0, 1, 0, 1])]);
    assert.throws(() => decodeMessage(long), /longer than 255/);
  });
  it('never throws anything but DnsFormatError on random bytes (fuzz)', () => {
    for (let i = 0; i < 5000; i++) {
      const pkt = randomBytes(1 + (i % 80));
      try { decodeMessage(pkt); } catch (err) { assert.ok(err instanceof DnsFormatError, String(err)); }
      const reply = formatErrorReply(pkt);
      if (reply !== undefined) assert.equal(decodeMessage(reply).flags.rcode, 1);
    }
  });
  it('truncates an oversized UDP answer to TC with no records', () => {
    const m: Message = { ...query('big'), answers: Array.from({ length: 60 }, (_, i) => addressRecord('big', parseIP(`10.0.0.${i}`)!, 0)) };
    const out = decodeMessage(truncateForUdp(m));
    assert.equal(out.flags.tc, true);
    assert.equal(out.answers.length, 0);
  });
  it('reverse names both ways', () => {
    assert.equal(reverseName(parseIP('10.1.2.3')!), '3.2.1.10.in-addr.arpa');
    assert.deepEqual(parseReverseName('3.2.1.10.IN-ADDR.ARPA.'), parseIP('10.1.2.3'));
    assert.deepEqual(parseReverseName(reverseName(parseIP('fd00::5')!)), parseIP('fd00::5'));
    assert.equal(parseReverseName('2.1.in-addr.arpa'), undefined);
    assert.equal(parseReverseName('300.2.1.10.in-addr.arpa'), undefined);
  });
});
