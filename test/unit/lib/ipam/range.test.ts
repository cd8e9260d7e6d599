import assert from 'node:assert/strict';
import { formatIP } from '../../../../lib/ip';
import { canonicalizeRange, rangeToString, type RangeInput } from '../../../../lib/ipam/range';
import { canonicalizeRangeSet, checkDisjointSets, rangeSetToString } from '../../../../lib/ipam/range-set';
import { expectCni } from './expect-cni';

const F = '/ipam/ranges/0/0';

describe('lib/ipam/range', () => {
  describe('defaults (the reference Range.Canonicalize)', () => {
    const cases: Array<[RangeInput, string, string]> = [
      [{ subnet: '10.1.2.0/24' }, '10.1.2.1-10.1.2.254', '10.1.2.1'],
      [{ subnet: '10.1.2.0/30' }, '10.1.2.1-10.1.2.2', '10.1.2.1'],
      [{ subnet: '2001:db8:1::/64' }, '2001:db8:1::1-2001:db8:1:0:ffff:ffff:ffff:ffff', '2001:db8:1::1'],
      [{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.40', rangeEnd: '10.1.2.50', gateway: '10.1.2.254' }, '10.1.2.40-10.1.2.50', '10.1.2.254'],
      // Go decodes null and "" to a nil net.IP: the default applies.
      [{ subnet: '10.1.2.0/24', rangeStart: null, rangeEnd: '', gateway: null }, '10.1.2.1-10.1.2.254', '10.1.2.1'],
      [{ subnet: '10.1.2.0/24', gateway: '10.9.9.9' }, '10.1.2.1-10.1.2.254', '10.9.9.9'],
      [{ subnet: '0.0.0.0/0' }, '0.0.0.1-255.255.255.254', '0.0.0.1'],
    ];
    for (const [input, range, gw] of cases) {
      it(`${JSON.stringify(input)} → ${range} gw ${gw}`, () => {
        const r = canonicalizeRange(input, F);
        assert.equal(rangeToString(r), range);
        assert.equal(formatIP(r.gateway), gw);
      });
    }
  });

  describe('validation errors: code 7, naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [{}, `invalid config: ${F}/subnet: is required`],
      [{ subnet: null }, `invalid config: ${F}/subnet: is required`],
      [{ subnet: 12 }, `invalid config: ${F}/subnet: must be a CIDR string, got 12`],
      [{ subnet: 1e400 }, `invalid config: ${F}/subnet: must be a CIDR string, got Infinity`],
      [{ subnet: '10.1.2.0' }, `invalid config: ${F}/subnet: invalid CIDR address: "10.1.2.0"`],
      [{ subnet: '10.1.2.0/-8' }, `invalid config: ${F}/subnet: invalid CIDR address: "10.1.2.0/-8"`],
      [{ subnet: '10.1.2.0/99999999999999999999' }, `invalid config: ${F}/subnet: invalid CIDR address: "10.1.2.0/99999999999999999999"`],
      [{ subnet: '10.1.2.0\u0000/24' }, `invalid config: ${F}/subnet: invalid CIDR address: "10.1.2.0\\u0000/24"`],
      [{ subnet: '10.1.2.0/31' }, `invalid config: ${F}/subnet: Network 10.1.2.0/31 too small to allocate from`],
      [{ subnet: '10.1.2.7/32' }, `invalid config: ${F}/subnet: Network 10.1.2.7/32 too small to allocate from`],
      [{ subnet: '2001:db8::/127' }, `invalid config: ${F}/subnet: Network 2001:db8::/127 too small to allocate from`],
      [{ subnet: '10.1.2.3/24' }, `invalid config: ${F}/subnet: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.2.0`],
      [{ subnet: '10.1.2.0/24', rangeStart: '10.1.3.1' }, `invalid config: ${F}/rangeStart: RangeStart 10.1.3.1 not in network 10.1.2.0/24`],
      [{ subnet: '10.1.2.0/24', rangeEnd: '10.1.1.255' }, `invalid config: ${F}/rangeEnd: RangeEnd 10.1.1.255 not in network 10.1.2.0/24`],
      [{ subnet: '10.1.2.0/24', rangeStart: '2001:db8::1' }, `invalid config: ${F}/rangeStart: RangeStart 2001:db8::1 not in network 10.1.2.0/24`],
      [{ subnet: '10.1.2.0/24', rangeStart: 'bogus' }, `invalid config: ${F}/rangeStart: invalid IP address: "bogus"`],
      [{ subnet: '10.1.2.0/24', rangeEnd: -1 }, `invalid config: ${F}/rangeEnd: must be an IP address string, got -1`],
      [{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.9', rangeEnd: '10.1.2.5' }, `invalid config: ${F}: RangeStart 10.1.2.9 is after RangeEnd 10.1.2.5`],
      [{ subnet: '10.1.2.0/24', gateway: '2001:db8::1' }, `invalid config: ${F}/gateway: gateway 2001:db8::1 is not an IPv4 address like subnet 10.1.2.0/24`],
      [{ subnet: '10.1.2.0/24', gateway: '10.1.2.1/24' }, `invalid config: ${F}/gateway: invalid IP address: "10.1.2.1/24"`],
      [null, `invalid config: ${F}: must be an object, got null`],
      ['10.1.2.0/24', `invalid config: ${F}: must be an object, got "10.1.2.0/24"`],
    ];
    for (const [input, msg] of cases) {
      it(msg, () => expectCni(() => canonicalizeRange(input as RangeInput, F), 7, msg));
    }
  });

  describe('range sets', () => {
    it('keeps config order and names the set in its text', () => {
      const set = canonicalizeRangeSet([{ subnet: '10.1.3.0/24' }, { subnet: '10.1.2.0/24' }], '/ipam/ranges/0');
      assert.equal(set.family, 4);
      assert.equal(rangeSetToString(set), '10.1.3.1-10.1.3.254,10.1.2.1-10.1.2.254');
    });
    const cases: Array<[unknown, string]> = [
      [[], 'invalid config: /ipam/ranges/0: empty range set'],
      [null, 'invalid config: /ipam/ranges/0: must be an array of ranges, got null'],
      [{ subnet: '10.0.0.0/8' }, 'invalid config: /ipam/ranges/0: must be an array of ranges, got {"subnet":"10.0.0.0/8"}'],
      [[{ subnet: '10.1.2.0/24' }, { subnet: '2001:db8::/64' }], 'invalid config: /ipam/ranges/0: mixed address families'],
      [[{ subnet: '10.1.2.0/24' }, { subnet: '10.1.0.0/16' }], 'invalid config: /ipam/ranges/0: subnets 10.1.2.1-10.1.2.254 and 10.1.0.1-10.1.255.254 overlap'],
      [[{ subnet: '10.1.2.0/24' }, { subnet: '10.1.3.0/24' }, { subnet: '10.1.3.0/28' }], 'invalid config: /ipam/ranges/0: subnets 10.1.3.1-10.1.3.254 and 10.1.3.1-10.1.3.14 overlap'],
      [[{ subnet: '10.1.2.0/24' }, { subnet: '10.1.2.0/31' }], 'invalid config: /ipam/ranges/0/1/subnet: Network 10.1.2.0/31 too small to allocate from'],
    ];
    for (const [input, msg] of cases) {
      it(msg, () => expectCni(() => canonicalizeRangeSet(input, '/ipam/ranges/0'), 7, msg));
    }
    it('allows two ranges of one subnet that do not overlap', () => {
      const set = canonicalizeRangeSet([
        { subnet: '10.1.2.0/24', rangeStart: '10.1.2.10', rangeEnd: '10.1.2.19' },
        { subnet: '10.1.2.0/24', rangeStart: '10.1.2.20', rangeEnd: '10.1.2.29' },
      ], '/x');
      assert.equal(set.ranges.length, 2);
    });
    it('refuses range sets that overlap each other', () => {
      const a = canonicalizeRangeSet([{ subnet: '10.1.2.0/24' }], '/ipam/ranges/0');
      const b = canonicalizeRangeSet([{ subnet: '10.1.0.0/16' }], '/ipam/ranges/1');
      expectCni(() => checkDisjointSets([a, b]), 7, 'invalid config: /ipam/ranges/1: range set 1 overlaps with range set 0 (/ipam/ranges/0)');
    });
  });
});
