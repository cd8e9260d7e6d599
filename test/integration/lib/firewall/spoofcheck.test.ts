// macspoofchk rules in a throwaway "host" netns per test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { listSpoofChecks, setupSpoofCheck, teardownSpoofCheck } from '../../../../lib/firewall';
import { useNetnsPair } from '../../../helpers/netns';

interface Listed { chains: string[]; rules: Array<{ chain: string; comment?: string; expr: unknown[] }> }

/** `nft -j list table bridge nat` in the netns, or undefined when there is no such table. */
function bridgeNat(nsName: string): Listed | undefined {
  const ruleset = JSON.parse(execFileSync('ip', ['netns', 'exec', nsName, 'nft', '-j', 'list', 'ruleset'], { encoding: 'utf8' })) as {
    nftables: Array<{ table?: { family: string; name: string }; chain?: { family: string; table: string; name: string }; rule?: { family: string; table: string; chain: string; comment?: string; expr: unknown[] } }>;
  };
  const mine = (o?: { family: string; table?: string; name?: string }) => o?.family === 'bridge' && (o.table ?? o.name) === 'nat';
  if (!ruleset.nftables.some((i) => mine(i.table))) return undefined;
  return {
    chains: ruleset.nftables.flatMap((i) => (mine(i.chain) ? [i.chain!.name] : [])),
    rules: ruleset.nftables.flatMap((i) => (mine(i.rule) ? [{ chain: i.rule!.chain, comment: i.rule!.comment, expr: i.rule!.expr }] : [])),
  };
}

const SC = { containerId: 'c1', ifname: 'eth0', hostIfname: 'veth0a1b2c3d', mac: '0a:58:0a:04:00:02' };
const COMMENT = 'macspoofchk-c1-eth0';

describe('lib/firewall spoof check (integration)', () => {
  const ns = useNetnsPair();

  it('installs the reference table, chains and rules, once', () => {
    setupSpoofCheck(SC, { netns: ns.host });
    const expected: Listed = {
      chains: ['PREROUTING', 'cni-br-iface-c1-eth0', 'cni-br-iface-c1-eth0-mac'],
      rules: [
        { chain: 'PREROUTING', comment: COMMENT, expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'veth0a1b2c3d' } }, { jump: { target: 'cni-br-iface-c1-eth0' } }] },
        { chain: 'cni-br-iface-c1-eth0', comment: COMMENT, expr: [{ jump: { target: 'cni-br-iface-c1-eth0-mac' } }] },
        { chain: 'cni-br-iface-c1-eth0-mac', comment: COMMENT, expr: [{ match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: '0a:58:0a:04:00:02' } }, { return: null }] },
        { chain: 'cni-br-iface-c1-eth0-mac', comment: COMMENT, expr: [{ drop: null }] },
      ],
    };
    assert.deepEqual(bridgeNat(ns.host.name), expected);
    const text = execFileSync('ip', ['netns', 'exec', ns.host.name, 'nft', 'list', 'chain', 'bridge', 'nat', 'PREROUTING'], { encoding: 'utf8' });
    assert.match(text, /type filter hook prerouting priority dstnat; policy accept;/); // dstnat is -300 in the bridge family
    setupSpoofCheck(SC, { netns: ns.host });
    assert.deepEqual(bridgeNat(ns.host.name), expected, 'a repeated setup replaces, never duplicates');
    // A new MAC for the same attachment replaces the old one.
    setupSpoofCheck({ ...SC, mac: '0a:58:0a:04:00:99' }, { netns: ns.host });
    const macs = bridgeNat(ns.host.name)!.rules.flatMap((r) => JSON.stringify(r.expr).match(/0a:58:0a:04:00:\w\w/g) ?? []);
    assert.deepEqual(macs, ['0a:58:0a:04:00:99']);
  });

  it('tears down one attachment, twice, and keeps the table, the base chain and the others', () => {
    const opts = { netns: ns.host };
    setupSpoofCheck(SC, opts);
    setupSpoofCheck({ containerId: 'c2', ifname: 'eth0', hostIfname: 'veth2', mac: '0a:58:0a:04:00:03' }, opts);
    assert.deepEqual(listSpoofChecks(opts), [{ refId: 'c1-eth0', hostIfname: 'veth0a1b2c3d' }, { refId: 'c2-eth0', hostIfname: 'veth2' }]);
    teardownSpoofCheck(SC, opts);
    teardownSpoofCheck(SC, opts);
    const left = bridgeNat(ns.host.name)!;
    assert.deepEqual(left.chains, ['PREROUTING', 'cni-br-iface-c2-eth0', 'cni-br-iface-c2-eth0-mac']);
    assert.ok(left.rules.every((r) => r.comment === 'macspoofchk-c2-eth0'));
    assert.equal(left.rules.length, 4);
    assert.deepEqual(listSpoofChecks(opts), [{ refId: 'c2-eth0', hostIfname: 'veth2' }]);
  });

  it('tears down with no table at all, and lists nothing', () => {
    teardownSpoofCheck(SC, { netns: ns.host });
    assert.equal(bridgeNat(ns.host.name), undefined);
    assert.deepEqual(listSpoofChecks({ netns: ns.host }), []);
  });
});
