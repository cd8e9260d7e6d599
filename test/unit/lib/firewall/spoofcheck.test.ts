import assert from 'node:assert/strict';
import { spoofCheckEntries, spoofCheckSetupJson, spoofCheckTeardownJson } from '../../../../lib/firewall/spoofcheck';

const SC = { containerId: 'c1', ifname: 'eth0', hostIfname: 'veth1234', mac: '0a:58:0a:04:00:02' };
const ref = (extra: object) => ({ family: 'bridge', table: 'nat', ...extra });
const C = 'macspoofchk-c1-eth0';

/** `nft -j list table bridge nat` after one setup of SC and one of c2/eth0 (as nft 1.0.6 prints it). */
const LISTING = JSON.stringify({
  nftables: [
    { metainfo: { version: '1.0.6', json_schema_version: 1 } },
    { table: { family: 'bridge', name: 'nat', handle: 5 } },
    { chain: ref({ name: 'PREROUTING', handle: 1, type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' }) },
    { chain: ref({ name: 'cni-br-iface-c1-eth0', handle: 2 }) },
    { chain: ref({ name: 'cni-br-iface-c1-eth0-mac', handle: 3 }) },
    { chain: ref({ name: 'cni-br-iface-c2-eth0-mac', handle: 9 }) },
    { rule: ref({ chain: 'PREROUTING', handle: 4, comment: C, expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'veth1234' } }, { jump: { target: 'cni-br-iface-c1-eth0' } }] }) },
    { rule: ref({ chain: 'cni-br-iface-c1-eth0', handle: 5, comment: C, expr: [{ jump: { target: 'cni-br-iface-c1-eth0-mac' } }] }) },
    { rule: ref({ chain: 'cni-br-iface-c1-eth0-mac', handle: 6, comment: C, expr: [{ drop: null }] }) },
    { rule: ref({ chain: 'PREROUTING', handle: 8, comment: 'someone else', expr: [{ accept: null }] }) },
  ],
});

describe('lib/firewall/spoofcheck', () => {
  it('writes the reference rules for a new attachment, with create chain (golden)', () => {
    const rule = (chain: string, expr: unknown[]) => ({ add: { rule: ref({ chain, expr, comment: C }) } });
    assert.deepEqual(JSON.parse(spoofCheckSetupJson(SC)), {
      nftables: [
        { add: { table: { family: 'bridge', name: 'nat' } } },
        { add: { chain: ref({ name: 'PREROUTING', type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' }) } },
        { create: { chain: ref({ name: 'cni-br-iface-c1-eth0' }) } },
        { create: { chain: ref({ name: 'cni-br-iface-c1-eth0-mac' }) } },
        rule('PREROUTING', [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'veth1234' } }, { jump: { target: 'cni-br-iface-c1-eth0' } }]),
        rule('cni-br-iface-c1-eth0', [{ jump: { target: 'cni-br-iface-c1-eth0-mac' } }]),
        rule('cni-br-iface-c1-eth0-mac', [{ match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: '0a:58:0a:04:00:02' } }, { return: null }]),
        rule('cni-br-iface-c1-eth0-mac', [{ drop: null }]),
      ],
    });
  });

  it('rewrites an existing attachment in place: add + flush its chains, delete its old jump', () => {
    const cmds = JSON.parse(spoofCheckSetupJson(SC, { staleHandles: [4] })).nftables as object[];
    assert.deepEqual(cmds.slice(2, 7), [
      { add: { chain: ref({ name: 'cni-br-iface-c1-eth0' }) } },
      { flush: { chain: ref({ name: 'cni-br-iface-c1-eth0' }) } },
      { add: { chain: ref({ name: 'cni-br-iface-c1-eth0-mac' }) } },
      { flush: { chain: ref({ name: 'cni-br-iface-c1-eth0-mac' }) } },
      { delete: { rule: ref({ chain: 'PREROUTING', handle: 4 }) } },
    ]);
    assert.equal(cmds.length, 11);
  });

  it('tears down by comment and chain name: the jump, then flush and delete both chains (golden)', () => {
    assert.deepEqual(JSON.parse(spoofCheckTeardownJson(LISTING, new Set(['c1-eth0']))!), {
      nftables: [
        { delete: { rule: ref({ chain: 'PREROUTING', handle: 4 }) } },
        { flush: { chain: ref({ name: 'cni-br-iface-c1-eth0' }) } },
        { flush: { chain: ref({ name: 'cni-br-iface-c1-eth0-mac' }) } },
        { delete: { chain: ref({ name: 'cni-br-iface-c1-eth0' }) } },
        { delete: { chain: ref({ name: 'cni-br-iface-c1-eth0-mac' }) } },
      ],
    });
    // Only the chains that exist are named, so a half-removed check still goes in one transaction.
    assert.deepEqual(JSON.parse(spoofCheckTeardownJson(LISTING, new Set(['c2-eth0']))!).nftables, [
      { flush: { chain: ref({ name: 'cni-br-iface-c2-eth0-mac' }) } },
      { delete: { chain: ref({ name: 'cni-br-iface-c2-eth0-mac' }) } },
    ]);
    assert.equal(spoofCheckTeardownJson(LISTING, new Set(['c3-eth0'])), undefined);
  });

  it('lists checks with their host port, and orphaned chains without one', () => {
    assert.deepEqual(spoofCheckEntries(LISTING), [{ refId: 'c1-eth0', hostIfname: 'veth1234' }, { refId: 'c2-eth0' }]);
  });
});
