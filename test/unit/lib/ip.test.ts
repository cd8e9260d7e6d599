import assert from 'node:assert/strict';
import { formatIP, lastOf, networkOf, parseCidr, parseIP, parseIPOrCidr } from '../../../lib/ip';

describe('lib/ipam/ip', () => {
  describe('parseIP and formatIP (Go net.IP text)', () => {
    const cases: Array<[string, string | undefined]> = [
      ['10.1.2.3', '10.1.2.3'],
      ['0.0.0.0', '0.0.0.0'],
      ['255.255.255.255', '255.255.255.255'],
      ['256.1.1.1', undefined],
      ['10.01.2.3', undefined], // leading zero: Go 1.17+ refuses it
      ['10.1.2', undefined],
      ['10.1.2.3.4', undefined],
      ['', undefined],
      ['10.1.2.3\0', undefined],
      [' 10.1.2.3', undefined],
      ['2001:db8::1', '2001:db8::1'],
      ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs is compressed
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
      ['::', '::'],
      ['::1', '::1'],
      ['fe80::', 'fe80::'],
      ['::ffff:10.1.2.3', '10.1.2.3'], // IPv4-mapped is IPv4, as Go's To4()
      ['::ffff:a01:203', '10.1.2.3'],
      ['64:ff9b::10.1.2.3', '64:ff9b::a01:203'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1:2:3:4:5:6:7:8:9', undefined],
      ['1::2::3', undefined],
      ['12345::', undefined],
      ['fe80::1%eth0', undefined],
      [':::', undefined],
    ];
    for (const [input, want] of cases) {
      it(`${JSON.stringify(input)} → ${want ?? 'invalid'}`, () => {
        const ip = parseIP(input);
        assert.equal(ip === undefined ? undefined : formatIP(ip), want);
      });
    }
  });

  describe('parseCidr', () => {
    it('keeps the address as given and computes network and last address', () => {
      const c = parseCidr('10.1.2.3/24')!;
      assert.equal(formatIP(c.ip), '10.1.2.3');
      assert.equal(c.prefix, 24);
      assert.equal(formatIP({ family: 4, value: networkOf(c) }), '10.1.2.0');
      assert.equal(formatIP({ family: 4, value: lastOf(c) }), '10.1.2.255');
      const v6 = parseCidr('2001:db8:1::/64')!;
      assert.equal(formatIP({ family: 6, value: lastOf(v6) }), '2001:db8:1:0:ffff:ffff:ffff:ffff');
    });
    for (const bad of ['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/024', '10.0.0.0', '::/129', '::ffff:10.0.0.0/104', '10.0.0.0/1e1', '10.0.0.0/99999999999999999999']) {
      it(`rejects ${bad}`, () => assert.equal(parseCidr(bad), undefined));
    }
    it('accepts /0', () => assert.equal(parseCidr('0.0.0.0/0')?.prefix, 0));
  });

  it('parseIPOrCidr drops the prefix of a requested address', () => {
    assert.equal(formatIP(parseIPOrCidr('10.0.0.5/24')!), '10.0.0.5');
    assert.equal(formatIP(parseIPOrCidr('10.0.0.5')!), '10.0.0.5');
    assert.equal(parseIPOrCidr('10.0.0.5/40'), undefined);
  });
});
