// DEL with a config ADD would refuse removes a real attachment (the spec's best-effort DEL), and ADD
// with a name or netns path the kernel would misuse leaves nothing behind. BUILT executables in
// throwaway netns; kernel state, lease files and firewall rules read back after every verb.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useNetnsPair, type TestNetns } from '../../helpers/netns';
import { BRIDGE, bridgeConf, cniChains, leases, links, natRules, nsPath, ok, runPlugin } from './bridge-harness';
import * as mv from './macvlan-harness';

const veths = (ns: TestNetns): string[] => [...links(ns).values()].filter((l) => l.linkinfo?.info_kind === 'veth').map((l) => l.ifname);

describe('DEL with an invalid config, ADD with a bad name or netns (built executables)', function () {
  this.timeout(120_000);
  const ns = useNetnsPair();
  let dataDir: string;
  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-delinv-')); });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  describe('bridge', () => {
    const call = (command: 'ADD' | 'DEL', conf: object, o: { netns?: string; ifName?: string } = {}) =>
      runPlugin({ host: ns.host, command, netns: o.netns ?? nsPath(ns.container), ifName: o.ifName, bin: BRIDGE }, conf);

    it('DEL with mtu 50, a bad IPAM range and vlan 4095 removes the veth, the lease and the masquerade rules of a valid ADD', async () => {
      const conf = bridgeConf('1.1.0', dataDir, { ipMasq: true });
      const added = ok(await call('ADD', conf));
      assert.equal(veths(ns.host).length, 1);
      assert.deepEqual(leases(dataDir, 'brnet'), ['10.77.0.2']);
      assert.equal(cniChains(natRules(ns.host)).length, 1);

      const bad = { ...bridgeConf('1.1.0', dataDir, { ipMasq: true, mtu: 50, vlan: 4095, hairpinMode: true, promiscMode: true }, { subnet: '10.77.0.1/33' }), prevResult: added.json };
      assert.notEqual((await call('ADD', bad, { netns: nsPath(ns.container), ifName: 'eth1' })).json?.code, undefined, 'ADD refuses this config');
      ok(await call('DEL', bad), 'DEL');
      assert.deepEqual(veths(ns.host), [], 'no veth in the host');
      assert.deepEqual([...links(ns.container).keys()], ['lo'], 'only lo in the container');
      assert.deepEqual(leases(dataDir, 'brnet'), [], 'lease released');
      assert.deepEqual(cniChains(natRules(ns.host)), [], 'masquerade chain gone');
      ok(await call('DEL', bad), 'DEL again');
    });

    it('DEL with a CNI_NETNS that cannot be entered (a regular file) removes the host veth by its tag', async () => {
      const conf = bridgeConf('1.1.0', dataDir);
      ok(await call('ADD', conf));
      ok(await call('DEL', conf, { netns: '/etc/hostname' }));
      assert.deepEqual(veths(ns.host), []);
      assert.deepEqual(leases(dataDir, 'brnet'), []);
    });

    for (const [what, o] of [
      ['CNI_IFNAME "eth%d"', { ifName: 'eth%d' }],
      ['CNI_IFNAME "all"', { ifName: 'all' }],
      ['CNI_NETNS a sysfs directory', { netns: '/sys/class/net' }],
      ['CNI_NETNS ending in "/"', { netns: '/etc/hostname/' }],
    ] as const) {
      it(`ADD with ${what}: code 4 and nothing is made`, async () => {
        const before = [...links(ns.host).keys()].sort();
        const r = await call('ADD', bridgeConf('1.1.0', dataDir, { ipMasq: true }), o);
        assert.equal(r.json?.code, 4, r.stdout);
        assert.match(r.json.msg, /CNI_IFNAME|CNI_NETNS/);
        assert.deepEqual([...links(ns.host).keys()].sort(), before, 'no bridge, no veth');
        assert.deepEqual([...links(ns.container).keys()], ['lo']);
        assert.deepEqual(leases(dataDir, 'brnet'), []);
        assert.deepEqual(cniChains(natRules(ns.host)), []);
      });
    }

    it('ADD with a route gw outside the subnet: code 7 naming it, and the undo leaves nothing', async () => {
      const r = await call('ADD', bridgeConf('1.1.0', dataDir, {}, { routes: [{ dst: '10.9.0.0/16', gw: '192.168.5.1' }] }));
      assert.equal(r.json?.code, 7, r.stdout);
      assert.match(r.json.msg, /\/ipam\/routes\/0\/gw/);
      assert.deepEqual(veths(ns.host), []);
      assert.deepEqual(leases(dataDir, 'brnet'), []);
    });

    it('ADD with mtu 1000 and an IPv6 range: code 7 naming /mtu (the kernel drops IPv6 below 1280), nothing left', async () => {
      const r = await call('ADD', bridgeConf('1.1.0', dataDir, { mtu: 1000 }, { subnet: undefined, ranges: [[{ subnet: '2001:db8:77::/64' }]] }));
      assert.equal(r.json?.code, 7, r.stdout);
      assert.match(r.json.msg, /^invalid config: \/mtu: .*below 1280/);
      assert.deepEqual(veths(ns.host), []);
      assert.deepEqual([...links(ns.container).keys()], ['lo']);
      assert.deepEqual(leases(dataDir, 'brnet'), []);
    });

    it('ADD with a route dst with host bits: the route is installed as its network', async () => {
      const r = ok(await call('ADD', bridgeConf('1.1.0', dataDir, {}, { routes: [{ dst: '10.9.2.3/16' }] })));
      assert.deepEqual(r.json.routes, [{ dst: '10.9.0.0/16' }]);
      assert.ok(mv.routes(ns.container).includes('10.9.0.0/16 via 10.77.0.1'), mv.routes(ns.container).join(' '));
      ok(await call('DEL', bridgeConf('1.1.0', dataDir)));
      assert.deepEqual(veths(ns.host), []);
    });
  });

  describe('macvlan', () => {
    let bin: string;
    before(() => { bin = mv.stageBinaries(); });
    after(() => fs.rmSync(bin, { recursive: true, force: true }));
    const call = (command: 'ADD' | 'DEL', conf: object, o: { netns?: string; ifName?: string } = {}) =>
      mv.runPlugin({ host: ns.host, bin: path.join(bin, 'macvlan'), cniPath: bin, command, netns: o.netns ?? nsPath(ns.container), ifName: o.ifName }, conf);

    it('DEL with mode "bogus" and mtu 50 removes the macvlan and the lease of a valid ADD', async () => {
      mv.makeMaster(ns.host);
      ok(await call('ADD', mv.mvConf('1.1.0', dataDir)));
      assert.deepEqual(mv.nonLo(ns.container), ['eth0']);
      assert.deepEqual(mv.leases(dataDir), ['10.66.0.2']);
      ok(await call('DEL', mv.mvConf('1.1.0', dataDir, { mode: 'bogus', mtu: 50 }, { subnet: 'garbage' })), 'DEL');
      assert.deepEqual(mv.nonLo(ns.container), []);
      assert.deepEqual(mv.leases(dataDir), []);
    });

    it('ADD with master lo: code 7 naming /master, nothing made', async () => {
      const r = await call('ADD', mv.mvConf('1.1.0', dataDir, { master: 'lo' }));
      mv.fails(r, 7, /^invalid config: \/master: master "lo" cannot carry a macvlan: it is the loopback device/);
      assert.deepEqual(mv.nonLo(ns.container), []);
      assert.deepEqual(mv.leases(dataDir), []);
    });

    it('DEL with CNI_IFNAME "lo" in a live netns leaves lo alone and succeeds', async () => {
      ok(await call('DEL', mv.mvConf('1.1.0', dataDir), { ifName: 'lo' }));
      assert.ok(links(ns.container).has('lo'));
    });
  });
});
