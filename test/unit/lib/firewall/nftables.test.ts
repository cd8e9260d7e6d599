import assert from 'node:assert/strict';
import { parseCidr, type Cidr } from '../../../../lib/ip';
import { nftMasqEntries, nftRemoveOps, nftSetupOps, nftSetupScript, parseNftRules, postroutingRuleOps, type NftRule, type NftTable } from '../../../../lib/firewall/nftables';
import type { NftOp } from '../../../../lib/netlink';
import { nftComment, nftInstanceHash } from '../../../../lib/firewall/names';

const cidrs = (...s: string[]): Cidr[] => s.map((x) => parseCidr(x)!);
const T = 'inet cni_plugins_masquerade';

/** `nft -j list chain inet cni_plugins_masquerade masq_checks`, as nft 1.0.6 prints it. */
function listing(rules: Array<{ handle: number; comment?: string }>): string {
  return JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
      { chain: { family: 'inet', table: 'cni_plugins_masquerade', name: 'masq_checks', handle: 1 } },
      ...rules.map((r) => ({ rule: { family: 'inet', table: 'cni_plugins_masquerade', chain: 'masq_checks', ...r, expr: [{ masquerade: null }] } })),
    ],
  });
}

describe('lib/firewall/nftables', () => {
  it('writes the reference transaction for one attachment (golden, knftables text)', () => {
    // The rule lines are those of plugins:pkg/ip/ipmasq_nftables_linux_test.go for container "two".
    assert.equal(
      nftSetupScript('unit-test', 'eth0', 'two', cidrs('192.168.1.2/24', '2001:db8::2/64')),
      [
        `add table ${T} { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }`,
        `add chain ${T} masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }`,
        `add chain ${T} postrouting { type nat hook postrouting priority 100 ; }`,
        `flush chain ${T} postrouting`,
        `add rule ${T} postrouting ip daddr == 224.0.0.0/4  return`,
        `add rule ${T} postrouting ip6 daddr == ff00::/8  return`,
        `add rule ${T} postrouting goto masq_checks`,
        `add rule ${T} masq_checks ip saddr == 192.168.1.2 ip daddr != 192.168.1.0/24 masquerade comment "6fd94d501e58f0aa-d750b2c8f0f25d5f, net: unit-test, if: eth0, id: two"`,
        `add rule ${T} masq_checks ip6 saddr == 2001:db8::2 ip6 daddr != 2001:db8::/64 masquerade comment "6fd94d501e58f0aa-d750b2c8f0f25d5f, net: unit-test, if: eth0, id: two"`,
        '',
      ].join('\n'),
    );
  });

  it('exclude: the address\'s subnet and the further destinations of its family, nested ones merged into a set', () => {
    const rule = (script: string): string => script.trim().split('\n').at(-1)!;
    assert.match(rule(nftSetupScript('n', 'eth0', 'c', cidrs('10.244.3.2/24'), [], cidrs('10.244.0.0/16', 'fd00::/8'))), / ip daddr != 10\.244\.0\.0\/16 masquerade /);
    assert.match(rule(nftSetupScript('n', 'eth0', 'c', cidrs('10.9.0.2/24'), [], cidrs('10.244.0.0/16', '10.244.0.0/16'))), / ip daddr != \{ 10\.9\.0\.0\/24, 10\.244\.0\.0\/16 \} masquerade /);
  });

  it('replaces the attachment\'s stale rules in the same transaction', () => {
    const script = nftSetupScript('n', 'eth0', 'c', cidrs('10.0.0.2/24'), [7, 9]);
    const lines = script.trim().split('\n');
    assert.deepEqual(lines.slice(7, 9), [`delete rule ${T} masq_checks handle 7`, `delete rule ${T} masq_checks handle 9`]);
    assert.match(lines[9]!, /^add rule inet cni_plugins_masquerade masq_checks ip saddr == 10\.0\.0\.2 /);
  });

  describe('removal', () => {
    /**
     * The masquerade table as the netlink dump gives it after setups: masq_checks and postrouting,
     * postrouting's 3 rules, then `rules`; `chains` and `others` add what a table may also hold.
     */
    function table(rules: Array<{ handle: number; comment?: string }>, extra: { chains?: string[]; others?: number } = {}): NftTable {
      const rule = (chain: string, handle: number, comment?: string): NftRule => ({ chain, handle, ...(comment ? { comment } : {}) });
      return {
        chains: new Set(['masq_checks', 'postrouting', ...(extra.chains ?? [])]),
        rules: [...rules.map((r) => rule('masq_checks', r.handle, r.comment)), rule('postrouting', 10), rule('postrouting', 11), rule('postrouting', 12)],
        others: extra.others ?? 0,
      };
    }
    const a = nftComment('net1', 'eth0', 'c1');
    const b = nftComment('net1', 'net1', 'c1');
    const mine = (r: { comment?: string }) => r.comment?.startsWith(nftInstanceHash('net1', 'eth0', 'c1')) ?? false;

    const TN = 'cni_plugins_masquerade';
    const del = (chain: string, handle: number): NftOp => ({ op: 'deleteRule', table: TN, chain, handle });
    /** postrouting's rules deleted by the handles seen, then written afresh: the table's new version. */
    const rewrite: NftOp[] = [del('postrouting', 10), del('postrouting', 11), del('postrouting', 12), ...postroutingRuleOps()];

    it('deletes only the picked attachment\'s rules while another is left, and rewrites postrouting as proof nothing changed since the listing', () => {
      assert.deepEqual(nftRemoveOps(table([{ handle: 5, comment: a }, { handle: 6, comment: a }, { handle: 7, comment: b }]), mine),
        [del('masq_checks', 5), del('masq_checks', 6), ...rewrite]);
    });

    it('removes the table with the last rule, every postrouting rule deleted by handle first as proof that no ADD came between', () => {
      assert.deepEqual(nftRemoveOps(table([{ handle: 5, comment: a }]), mine), [
        del('masq_checks', 5), del('postrouting', 10), del('postrouting', 11), del('postrouting', 12), { op: 'deleteTable', table: TN },
      ]);
      // The table and chains the reference's DEL leaves behind go with any later DEL.
      assert.deepEqual(nftRemoveOps(table([]), mine)?.at(-1), { op: 'deleteTable', table: TN });
    });

    it('keeps a table that holds anything else, and does nothing when nothing is there', () => {
      // A set of someone else's in the table, then a chain of someone else's.
      assert.deepEqual(nftRemoveOps(table([{ handle: 5, comment: a }], { others: 1 }), mine), [del('masq_checks', 5), ...rewrite]);
      assert.equal(nftRemoveOps(table([], { chains: ['mine'] }), mine), undefined);
      assert.equal(nftRemoveOps(table([{ handle: 7, comment: b }]), mine), undefined);
    });
  });

  describe('setup as netlink ops', () => {
    const kinds = (ops: NftOp[] | undefined): string[] => (ops ?? []).map((o) => ('chain' in o ? `${o.op} ${o.chain}` : o.op));

    it('is nftSetupScript op for op: table, chains, postrouting flushed and rewritten, stale rules deleted, one rule per address', () => {
      const ops = nftSetupOps('n', 'eth0', 'c', cidrs('10.0.0.2/24', 'fd00::2/64'), [7]);
      assert.deepEqual(kinds(ops), [
        'addTable', 'addChain masq_checks', 'addChain postrouting', 'flushChain postrouting',
        'addRule postrouting', 'addRule postrouting', 'addRule postrouting', 'deleteRule masq_checks', 'addRule masq_checks', 'addRule masq_checks',
      ]);
      const rule = ops!.at(-2)!;
      assert.equal(rule.op === 'addRule' && rule.comment, nftComment('n', 'eth0', 'c'));
      assert.deepEqual(ops![2], { op: 'addChain', table: 'cni_plugins_masquerade', chain: 'postrouting', hook: { type: 'nat', hooknum: 4, priority: 100 } });
    });

    it('leaves a destination set (exclude beside the own subnet) to nft: undefined', () => {
      assert.equal(nftSetupOps('n', 'eth0', 'c', cidrs('10.9.0.2/24'), [], cidrs('10.244.0.0/16')), undefined);
      assert.notEqual(nftSetupOps('n', 'eth0', 'c', cidrs('10.244.3.2/24'), [], cidrs('10.244.0.0/16')), undefined);
    });
  });

  it('reads rules from nft -j and groups a network\'s by attachment', () => {
    const a = nftComment('net1', 'eth0', 'c1');
    const b = nftComment('net1', 'eth1', 'c1');
    const other = nftComment('net2', 'eth0', 'c1');
    const rules = parseNftRules(listing([{ handle: 5, comment: a }, { handle: 6, comment: a }, { handle: 7, comment: b }, { handle: 8, comment: other }, { handle: 9 }]));
    assert.deepEqual(rules.map((r) => [r.handle, r.comment]), [[5, a], [6, a], [7, b], [8, other], [9, undefined]]);
    assert.deepEqual(nftMasqEntries(rules, 'net1'), [
      { key: nftInstanceHash('net1', 'eth0', 'c1'), ifname: 'eth0', containerId: 'c1', truncated: false, handles: [5, 6] },
      { key: nftInstanceHash('net1', 'eth1', 'c1'), ifname: 'eth1', containerId: 'c1', truncated: false, handles: [7] },
    ]);
    assert.deepEqual(nftMasqEntries(rules, 'net3'), []);
  });
});
