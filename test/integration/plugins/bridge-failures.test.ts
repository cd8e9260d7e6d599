// The bridge's failure and clean-up paths, BUILT executable in throwaway netns: a failure injected
// after every step of ADD leaves nothing; the vlan error on a kernel without VLAN filtering; DEL with
// an empty or vanished CNI_NETNS; GC; STATUS; parallel ADDs racing to create one bridge.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteNamedNetns } from '../../../lib/netns';
import { ip, makeTestNetns, useNetnsPair, type TestNetns } from '../../helpers/netns';
import { FAIL_AFTER_ENV } from '../../../lib/cni';
import { ADD_STEPS } from '../../../plugins/bridge/add-steps';
import {
  REFERENCE_DIR, addrs, bridgeConf, cniChains, leases, links, natRules, nftBridgeNat, nsPath, ok, runPlugin, withPrev,
} from './bridge-harness';
import { skipUnless } from '../../helpers/skip';

const veths = (ns: TestNetns): string[] => [...links(ns).values()].filter((l) => l.linkinfo?.info_kind === 'veth').map((l) => l.ifname);

describe('plugins/bridge failure and clean-up paths (built executable)', function () {
  this.timeout(120_000);
  const ns = useNetnsPair();
  let dataDir: string;
  const extra: TestNetns[] = [];
  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-br-it-')); });
  afterEach(() => {
    for (const n of extra.splice(0)) n.remove();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const more = (role: string): TestNetns => {
    const n = makeTestNetns(role);
    extra.push(n);
    return n;
  };
  const call = (command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS', conf: object, o: { netns?: string; containerID?: string; env?: Record<string, string>; bin?: string; cniPath?: string } = {}) =>
    runPlugin({ host: ns.host, command, netns: o.netns ?? nsPath(ns.container), containerID: o.containerID, env: o.env, bin: o.bin, cniPath: o.cniPath }, conf);

  /** Nothing of the attachment is left: no veth, no container interface, no lease, no rule. */
  function assertNothingLeft(): void {
    assert.deepEqual(veths(ns.host), [], 'no veth in the host');
    assert.deepEqual([...links(ns.container).keys()], ['lo'], 'only lo in the container');
    assert.deepEqual(leases(dataDir, 'brnet'), [], 'no lease');
    assert.deepEqual(cniChains(natRules(ns.host)), [], 'no masquerade chain');
    assert.doesNotMatch(natRules(ns.host), /CNI-/, 'no masquerade jump');
    assert.doesNotMatch(nftBridgeNat(ns.host), /cni-br-iface|macspoofchk/, 'no spoof check');
  }

  describe('a failure injected after each step of ADD leaves nothing behind', () => {
    for (const step of ADD_STEPS) {
      it(`after "${step}"`, async () => {
        const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true, macspoofchk: true });
        const r = await call('ADD', conf, { env: { [FAIL_AFTER_ENV]: step } });
        assert.equal(r.code, 1);
        assert.match(r.json.msg, new RegExp(`injected failure after step "${step}"`));
        assertNothingLeft();
        // And the same ADD without the hook then works: nothing stale is in its way.
        const add = ok(await call('ADD', conf));
        assert.match(nftBridgeNat(ns.host), /macspoofchk-ctr1-eth0/);
        ok(await call('DEL', withPrev(conf, add.json)));
        assertNothingLeft();
      });
    }
  });

  describe('vlan on a kernel without bridge VLAN filtering', () => {
    it('vlan on a new bridge: code 2 naming the key, nothing created (not even the bridge)', async () => {
      const r = await call('ADD', bridgeConf('1.0.0', dataDir, { vlan: 100, isGateway: true }));
      assert.equal(r.json.code, 2, r.stdout);
      assert.match(r.json.msg, /^vlan 100: this kernel has no bridge VLAN filtering/);
      assertNothingLeft();
      assert.equal(links(ns.host).has('cni-t0'), false);
    });
    it('vlanTrunk on an existing bridge: code 2, the veth and the lease undone', async () => {
      ok(await call('ADD', bridgeConf('1.0.0', dataDir), { containerID: 'other', netns: nsPath(more('ctr2')) }));
      const before = veths(ns.host);
      const r = await call('ADD', bridgeConf('1.0.0', dataDir, { vlanTrunk: [{ minID: 10, maxID: 11 }] }));
      assert.equal(r.json.code, 2, r.stdout);
      assert.match(r.json.msg, /^vlanTrunk \[10,11\]: this kernel has no bridge VLAN filtering/);
      assert.deepEqual(veths(ns.host), before);
      assert.deepEqual([...links(ns.container).keys()], ['lo']);
      assert.deepEqual(leases(dataDir, 'brnet'), ['10.77.0.2'], 'only the other attachment keeps its lease');
    });
  });

  describe('DEL without a usable netns', () => {
    it('empty CNI_NETNS: the veth (found by its alias), the masquerade rules and the lease go', async () => {
      const conf = bridgeConf('1.0.0', dataDir, { ipMasq: true, macspoofchk: true });
      ok(await call('ADD', conf));
      ok(await call('DEL', conf, { netns: '' }), 'DEL without netns and without prevResult');
      assertNothingLeft();
      ok(await call('DEL', conf, { netns: '' }), 'second DEL');
    });
    it('a CNI_NETNS path that no longer exists (while a process still holds the netns)', async () => {
      const held = more('held');
      const conf = bridgeConf('1.0.0', dataDir, { ipMasq: true });
      ok(await call('ADD', conf, { netns: nsPath(held) }));
      // The bind mount goes (the test's open fd keeps the netns, and its veth, alive).
      deleteNamedNetns(held.name);
      assert.equal(veths(ns.host).length, 1);
      ok(await call('DEL', conf, { netns: nsPath(held) }));
      assert.deepEqual(veths(ns.host), []);
      assert.deepEqual(cniChains(natRules(ns.host)), []);
      assert.deepEqual(leases(dataDir, 'brnet'), []);
    });
    it('the container end renamed or moved away: DEL still finds and removes the host veth', async () => {
      const conf = bridgeConf('1.0.0', dataDir, { ipMasq: true });
      const elsewhere = more('moved');
      for (const move of [
        () => ip(ns.container.name, 'link', 'set', 'eth0', 'name', 'renamed0'),
        () => ip(ns.container.name, 'link', 'set', 'eth0', 'netns', elsewhere.name),
      ]) {
        const add = ok(await call('ADD', conf));
        move();
        ok(await call('DEL', withPrev(conf, add.json)));
        assert.deepEqual(veths(ns.host), [], 'no veth in the host');
        assert.deepEqual(leases(dataDir, 'brnet'), []);
        assert.deepEqual(cniChains(natRules(ns.host)), []);
        // No prevResult either: the host veth is found by the name ADD derived from the attachment.
        ok(await call('ADD', conf));
        move();
        ok(await call('DEL', conf));
        assert.deepEqual(veths(ns.host), [], 'no veth in the host (no prevResult)');
      }
    });
    it('a host veth ADD could not tag (killed before the alias) is found by its derived name', async () => {
      const conf = bridgeConf('1.0.0', dataDir);
      const add = ok(await call('ADD', conf));
      const hostVeth = add.json.interfaces[1].name as string;
      assert.match(hostVeth, /^veth[0-9a-f]{8}$/, 'the reference\'s name shape');
      ip(ns.host.name, 'link', 'set', hostVeth, 'alias', '');
      assert.equal(links(ns.host).get(hostVeth)?.ifalias, undefined, 'the alias is gone');
      ok(await call('DEL', conf, { netns: '' }));
      assert.deepEqual(veths(ns.host), []);
    });
    it('DEL of an attachment never added succeeds', async () => {
      ok(await call('DEL', bridgeConf('1.0.0', dataDir, { ipMasq: true, macspoofchk: true })));
    });
  });

  it('rules and lease left by the reference bridge are removed by our DEL, even without CNI_NETNS', async function () {
    skipUnless(this, fs.existsSync(path.join(REFERENCE_DIR, 'bridge')), `no ${path.join(REFERENCE_DIR, 'bridge')}: install containernetworking-plugins (scripts/setup.sh)`);
    const conf = bridgeConf('1.0.0', dataDir, { ipMasq: true });
    ok(await call('ADD', conf, { bin: path.join(REFERENCE_DIR, 'bridge'), cniPath: REFERENCE_DIR }), 'reference ADD');
    assert.equal(cniChains(natRules(ns.host)).length, 1);
    ok(await call('DEL', conf, { netns: '' }));
    assert.deepEqual(cniChains(natRules(ns.host)), []);
    assert.doesNotMatch(natRules(ns.host), /CNI-/);
    assert.deepEqual(leases(dataDir, 'brnet'), []);
    // The reference's veth carries no attachment tag, so without the netns it cannot be told from
    // another container's: it is left to the netns' own removal. With the netns, DEL takes it.
    assert.equal(veths(ns.host).length, 1);
    ok(await call('DEL', conf));
    assertNothingLeft();
  });

  it('GC removes the state of attachments not in valid-attachments and forwards GC to host-local', async () => {
    const conf = bridgeConf('1.1.0', dataDir, { ipMasq: true, macspoofchk: true });
    const other = more('ctr2');
    ok(await call('ADD', conf));
    ok(await call('ADD', conf, { containerID: 'gone', netns: nsPath(other) }));
    assert.equal(cniChains(natRules(ns.host)).length, 2);
    ok(await call('GC', { ...conf, 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] }));
    assert.deepEqual(leases(dataDir, 'brnet'), ['10.77.0.2']);
    assert.equal(cniChains(natRules(ns.host)).length, 1);
    assert.equal(veths(ns.host).length, 1, 'the stale tagged veth is gone');
    assert.doesNotMatch(nftBridgeNat(ns.host), /macspoofchk-gone-eth0/);
    assert.match(nftBridgeNat(ns.host), /macspoofchk-ctr1-eth0/);
    ok(await call('DEL', conf));
    assertNothingLeft();
  });

  it('STATUS delegates to host-local: code 50 once the pool is exhausted', async () => {
    const conf = bridgeConf('1.1.0', dataDir, {}, { subnet: '10.77.0.0/30' });
    ok(await call('STATUS', conf));
    ok(await call('ADD', conf));
    const r = await call('STATUS', conf);
    assert.equal(r.json.code, 50, r.stdout);
    ok(await call('DEL', conf));
  });

  it('parallel ADDs that create the same bridge and gateway all succeed, with distinct addresses', async () => {
    const n = 6;
    const ctrs = Array.from({ length: n }, (_, i) => more(`par${i}`));
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true });
    const runs = await Promise.all(ctrs.map((c, i) => call('ADD', conf, { containerID: `p${i}`, netns: nsPath(c) })));
    for (const r of runs) ok(r, 'parallel ADD');
    const ips = runs.map((r) => r.json.ips[0].address);
    assert.equal(new Set(ips).size, n);
    assert.deepEqual(addrs(ns.host, 'cni-t0'), ['10.77.0.1/24']);
    assert.equal(veths(ns.host).length, n);
    const dels = await Promise.all(ctrs.map((c, i) => call('DEL', conf, { containerID: `p${i}`, netns: nsPath(c) })));
    for (const r of dels) ok(r, 'parallel DEL');
    assert.deepEqual(leases(dataDir, 'brnet'), []);
    assert.deepEqual(cniChains(natRules(ns.host)), []);
  });
});
