import assert from 'node:assert/strict';
import { NlMessage } from '../../../../../lib/netlink/nl/message';
import { attrList, attrMap, attrStr, attrU32, attrBe16 } from '../../../../../lib/netlink/nl/attrs';
import { NLM_F_ACK, NLM_F_REQUEST, RTM_NEWLINK } from '../../../../../lib/netlink/nl/constants';

describe('lib/netlink/nl/message', () => {
  it('encodes the header, a padded string and a patched nest (golden bytes)', () => {
    const m = new NlMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK)
      .raw(Buffer.alloc(16))
      .str(3, 'br0')
      .nest(18, (n) => n.str(1, 'bridge'));
    const hex = m.serialize(7, 0).toString('hex');
    const expected = [
      '38000000', '1000', '0500', '07000000', '00000000', // nlmsghdr: len 56, RTM_NEWLINK, REQUEST|ACK, seq 7, pid 0
      '00'.repeat(16), // ifinfomsg
      '0800', '0300', '62723000', // IFLA_IFNAME "br0\0": len 8, no padding needed
      '1000', '1200', // IFLA_LINKINFO nest, len 16
      '0b00', '0100', '62726964676500', '00', // IFLA_INFO_KIND "bridge\0": len 11, padded to 12
    ].join('');
    assert.equal(hex, expected);
  });

  it('writes big-endian ports and network-order addresses', () => {
    const body = new NlMessage(0, 0).be16(15, 4789).ip(4, '10.1.2.3').ip(5, '2001:db8::1').mac(6, '02:AA:bb:00:01:ff').serialize(1);
    const attrs = attrMap(body, 16);
    assert.equal(attrs.get(15)!.toString('hex'), '12b5');
    assert.equal(attrBe16(attrs.get(15)), 4789);
    assert.equal(attrs.get(4)!.toString('hex'), '0a010203');
    assert.equal(attrs.get(5)!.toString('hex'), '20010db8000000000000000000000001');
    assert.equal(attrs.get(6)!.toString('hex'), '02aabb0001ff');
  });

  it('grows past its initial buffer and keeps nested lengths right', () => {
    const m = new NlMessage(0, 0).nest(1, (n) => { for (let i = 0; i < 100; i++) n.u32(2, i); });
    const bytes = m.serialize(1);
    assert.equal(bytes.readUInt32LE(0), bytes.length);
    const outer = attrList(bytes, 16);
    assert.equal(outer.length, 1);
    assert.equal(outer[0].data.length, 100 * 8);
    const inner = attrList(outer[0].data);
    assert.deepEqual(inner.map((a) => attrU32(a.data)), Array.from({ length: 100 }, (_, i) => i));
  });

  it('rejects an attribute longer than 64 KiB', () => {
    assert.throws(() => new NlMessage(0, 0).attr(1, Buffer.alloc(70000)), RangeError);
  });
});

describe('lib/netlink/nl/attrs', () => {
  it('masks NLA_F_NESTED and stops at a malformed tail', () => {
    const buf = Buffer.from('0800018061626300' + '0500020007' + '000000' + 'ff00', 'hex');
    const list = attrList(buf);
    assert.deepEqual(list.map((a) => a.type), [1, 2]);
    assert.equal(attrStr(list[0].data), 'abc');
  });

  it('reads strings with and without a NUL', () => {
    assert.equal(attrStr(Buffer.from('eth0\0junk')), 'eth0');
    assert.equal(attrStr(Buffer.from('eth0')), 'eth0');
    assert.equal(attrStr(undefined), undefined);
  });
});
