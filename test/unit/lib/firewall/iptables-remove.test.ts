import assert from 'node:assert/strict';
import { masqRemovalLines, type MasqRemoval } from '../../../../lib/firewall/iptables-remove';
import { parseSave } from '../../../../lib/firewall/iptables-save';

// formatChainName('mynet', 'c1'), checked against sha512 in names.test.ts.
const CHAIN = 'CNI-f0bca4ac77cde1bf2f3da5df';
const C = '"name: \\"mynet\\" id: \\"c1\\""';
const O = (ifname: string): string => `"if: \\"${ifname}\\" name: \\"mynet\\" id: \\"c1\\""`;

const jump = (ip: string) => `-A POSTROUTING -s ${ip}/32 -m comment --comment ${C} -j ${CHAIN}`;
const own = (ifname: string, ip: string) => `-A ${CHAIN} -s ${ip}/32 -d 10.4.0.0/24 -m comment --comment ${O(ifname)} -j ACCEPT`;
const REF_ACCEPT = `-A ${CHAIN} -d 10.4.0.0/24 -m comment --comment ${C} -j ACCEPT`;
const MASQ = `-A ${CHAIN} ! -d 224.0.0.0/4 -m comment --comment ${C} -j MASQUERADE`;

/** A saved nat table holding the chain with these rules. */
const save = (...rules: string[]) => parseSave(`*nat\n:POSTROUTING ACCEPT [0:0]\n:${CHAIN} - [0:0]\n${rules.join('\n')}\nCOMMIT\n`);
const del = (line: string) => line.replace(/^-A /, '-D ');
const of = (...ifnames: string[]): MasqRemoval => ({ ifnames: (i) => ifnames.includes(i), legacy: 'unless-owned' });
const whole = (...jumps: string[]) => [...jumps.map(del), `-F ${CHAIN}`, `-X ${CHAIN}`];

describe('lib/firewall/iptables-remove', () => {
  // eth0 (10.4.0.2) and net1 (10.4.0.3) of one container on one network share the chain.
  const BOTH = save(jump('10.4.0.2'), jump('10.4.0.3'), own('net1', '10.4.0.3'), own('eth0', '10.4.0.2'), MASQ);

  it('one interface of two: only its ACCEPT and jump, with the other\'s ACCEPT deleted and re-inserted as proof it is still there', () => {
    assert.deepEqual(masqRemovalLines(BOTH, CHAIN, of('net1')), [
      del(own('net1', '10.4.0.3')),
      del(jump('10.4.0.3')),
      del(own('eth0', '10.4.0.2')),
      own('eth0', '10.4.0.2').replace(/^-A (\S+)/, '-I $1 1'),
    ]);
  });

  it('the last interface: the chain goes whole, with its jumps', () => {
    const left = save(jump('10.4.0.2'), own('eth0', '10.4.0.2'), MASQ);
    assert.deepEqual(masqRemovalLines(left, CHAIN, of('eth0')), whole(jump('10.4.0.2')));
    assert.deepEqual(masqRemovalLines(BOTH, CHAIN, of('eth0', 'net1')), whole(jump('10.4.0.2'), jump('10.4.0.3')));
  });

  it('an interface with no rules (a repeated DEL, or never added) removes nothing while others have theirs', () => {
    assert.deepEqual(masqRemovalLines(BOTH, CHAIN, of('net9')), []);
    assert.deepEqual(masqRemovalLines(save(), CHAIN, of('eth0')), whole());
    assert.deepEqual(masqRemovalLines(parseSave('*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n'), CHAIN, of('eth0')), []);
  });

  describe('with rules the reference wrote (no interface named)', () => {
    // The reference's eth0 (10.4.0.2), then our net1 (10.4.0.3) in the same chain.
    const MIXED = save(jump('10.4.0.2'), jump('10.4.0.3'), own('net1', '10.4.0.3'), REF_ACCEPT, MASQ);

    it('our interface leaves: the reference\'s rules stay, one of them the proof', () => {
      assert.deepEqual(masqRemovalLines(MIXED, CHAIN, of('net1')), [
        del(own('net1', '10.4.0.3')), del(jump('10.4.0.3')), del(REF_ACCEPT), REF_ACCEPT.replace(/^-A (\S+)/, '-I $1 1'),
      ]);
    });

    it('the reference\'s interface leaves (it has no rules of its own): the unattributed jump and ACCEPT go, ours stay', () => {
      assert.deepEqual(masqRemovalLines(MIXED, CHAIN, of('eth0')), [
        del(jump('10.4.0.2')), del(REF_ACCEPT), del(own('net1', '10.4.0.3')), own('net1', '10.4.0.3').replace(/^-A (\S+)/, '-I $1 1'),
      ]);
    });

    it('known addresses narrow which unattributed jumps are the leaving interface\'s', () => {
      const twoRef = save(jump('10.4.0.2'), jump('10.4.0.3'), REF_ACCEPT, MASQ);
      assert.deepEqual(masqRemovalLines(twoRef, CHAIN, { ifnames: (i) => i === 'net1', legacy: new Set(['10.4.0.3/32']) }), [
        del(jump('10.4.0.3')), del(REF_ACCEPT), REF_ACCEPT.replace(/^-A (\S+)/, '-I $1 1'),
      ]);
      // Without them every unattributed rule is the leaving interface's, as the reference would see it.
      assert.deepEqual(masqRemovalLines(twoRef, CHAIN, of('net1')), whole(jump('10.4.0.2'), jump('10.4.0.3')));
      // GC of a container still valid keeps them (legacy: false).
      assert.deepEqual(masqRemovalLines(twoRef, CHAIN, { ifnames: () => true, legacy: false }), []);
    });
  });
});
