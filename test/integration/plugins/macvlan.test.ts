// The BUILT macvlan (dist/bin/macvlan; `npm run build` first) in a throwaway "host" netns whose master
// is a veth end, over the spec-version matrix and every mode: links, addresses, routes and lease files
// after ADD, CHECK and DEL; traffic between two containers in bridge and private mode. CNI_PATH is a
// staged copy of dist/bin, so the IPAM is our host-local (in-process).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ip, ipJson, makeTestNetns, useNetnsPair, type TestNetns } from '../../helpers/netns';
import {
  MASTER, VERSIONS, addrs, at, fails, inNs, leases, links, makeMaster, mvConf, nonLo, nsPath, ok, pings, resultAddresses, routes,
  runPlugin, stageBinaries, withPrev, type Run,
} from './macvlan-harness';

describe('plugins/macvlan (built executable)', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  let bin: string;
  let dataDir: string;
  let masterIndex: number;
  let extra: TestNetns[] = [];
  before(() => { bin = stageBinaries(); });
  after(() => fs.rmSync(bin, { recursive: true, force: true }));
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mv-it-'));
    masterIndex = makeMaster(ns.host);
  });
  afterEach(() => {
    for (const n of extra) n.remove();
    extra = [];
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  type Verb = 'ADD' | 'DEL' | 'CHECK';
  const call = (command: Verb, conf: object, o: { ctr?: TestNetns; id?: string; env?: Record<string, string> } = {}): Promise<Run> =>
    runPlugin({ host: ns.host, bin: path.join(bin, 'macvlan'), cniPath: bin, command, netns: nsPath(o.ctr ?? ns.container), containerID: o.id, env: o.env }, conf);
  const second = (): TestNetns => {
    const n = makeTestNetns('ctr2');
    extra.push(n);
    return n;
  };
  const mode = (n: TestNetns, dev = 'eth0'): string => links(n).get(dev).linkinfo.info_data.mode;

  describe('spec-version matrix (L3, bridge mode, a default route)', () => {
    for (const v of VERSIONS) {
      it(`${v}: ADD${at(v, '0.4.0') ? ', CHECK' : ''}, DEL, DEL again`, async () => {
        const conf = mvConf(v, dataDir, {}, { routes: [{ dst: '0.0.0.0/0' }] });
        const add = ok(await call('ADD', conf), 'ADD');
        assert.equal(add.json.cniVersion, v);
        assert.deepEqual(resultAddresses(add.json), ['10.66.0.2/24']);
        const eth0 = links(ns.container).get('eth0');
        if (at(v, '0.3.0')) {
          assert.deepEqual(add.json.interfaces, [{ name: 'eth0', mac: eth0.address, sandbox: nsPath(ns.container) }]);
          assert.deepEqual(add.json.ips.map((i: any) => [i.interface, i.gateway]), [[0, '10.66.0.1']]);
          if (!at(v, '1.0.0')) assert.equal(add.json.ips[0].version, '4');
        } else {
          assert.equal(add.json.ip4.gateway, '10.66.0.1');
        }
        // Kernel: a macvlan on the master (in the host netns), up, with its address and routes.
        assert.deepEqual([eth0.linkinfo.info_kind, mode(ns.container), eth0.link_index, eth0.operstate], ['macvlan', 'bridge', masterIndex, 'UP']);
        assert.deepEqual(nonLo(ns.container), ['eth0'], 'no temporary name left behind');
        assert.deepEqual(addrs(ns.container, 'eth0'), ['10.66.0.2/24']);
        assert.deepEqual(routes(ns.container), ['10.66.0.0/24', 'default via 10.66.0.1']);
        assert.deepEqual(leases(dataDir), ['10.66.0.2']);
        assert.equal(fs.readFileSync(path.join(dataDir, 'mvnet', '10.66.0.2'), 'utf8'), 'ctr1\r\neth0');
        assert.equal(inNs(ns.container, ['cat', '/proc/sys/net/ipv4/conf/eth0/arp_notify']).trim(), '1', 'gratuitous ARP on');

        if (at(v, '0.4.0')) {
          assert.equal(ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK').stdout, '');
          assert.deepEqual(leases(dataDir), ['10.66.0.2'], 'CHECK changes nothing');
        }
        const delConf = at(v, '0.4.0') ? withPrev(conf, add.json) : conf;
        ok(await call('DEL', delConf), 'DEL');
        assert.deepEqual(nonLo(ns.container), []);
        assert.deepEqual(leases(dataDir), []);
        assert.deepEqual([...links(ns.host).keys()].sort(), ['lo', 'mvm0', 'mvm1'], 'the master is untouched');
        ok(await call('DEL', delConf), 'second DEL');
      });
    }
  });

  it('L2 mode ("ipam": {}): no address, the interface up, CHECK and DEL work', async () => {
    const conf = mvConf('1.0.0', dataDir, {}, null);
    const add = ok(await call('ADD', conf));
    assert.equal(add.json.ips, undefined);
    assert.equal(links(ns.container).get('eth0').operstate, 'UP');
    assert.deepEqual(addrs(ns.container, 'eth0'), []);
    ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
    ok(await call('DEL', conf));
    assert.deepEqual(nonLo(ns.container), []);
  });

  it('dual stack: both addresses (IPv6 not tentative), ndisc_notify on, CHECK and DEL', async () => {
    const conf = mvConf('1.1.0', dataDir, {}, { subnet: undefined, ranges: [[{ subnet: '10.66.0.0/24' }], [{ subnet: 'fd66::/64' }]] });
    const add = ok(await call('ADD', conf));
    assert.deepEqual(resultAddresses(add.json), ['10.66.0.2/24', 'fd66::2/64']);
    const [eth0] = ipJson(ns.container.name, 'addr', 'show', 'dev', 'eth0') as any[];
    assert.equal(eth0.addr_info.find((a: any) => a.local === 'fd66::2')?.tentative, undefined, 'usable at once (nodad)');
    assert.equal(inNs(ns.container, ['cat', '/proc/sys/net/ipv6/conf/eth0/ndisc_notify']).trim(), '1');
    ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
    ok(await call('DEL', withPrev(conf, add.json)));
    assert.deepEqual(leases(dataDir), []);
  });

  it('bridge mode: two containers on one master ping each other', async () => {
    const c2 = second();
    const conf = mvConf('1.0.0', dataDir);
    ok(await call('ADD', conf, { id: 'a' }));
    ok(await call('ADD', conf, { ctr: c2, id: 'b' }));
    assert.deepEqual([addrs(ns.container, 'eth0'), addrs(c2, 'eth0')], [['10.66.0.2/24'], ['10.66.0.3/24']]);
    assert.equal(pings(ns.container, '10.66.0.3'), true, 'a -> b');
    assert.equal(pings(c2, '10.66.0.2'), true, 'b -> a');
    ok(await call('DEL', conf, { id: 'a' }));
    ok(await call('DEL', conf, { ctr: c2, id: 'b' }));
    assert.deepEqual(leases(dataDir), []);
  });

  it('private mode: two containers on one master cannot reach each other', async () => {
    const c2 = second();
    const conf = mvConf('1.0.0', dataDir, { mode: 'private' });
    ok(await call('ADD', conf, { id: 'a' }));
    ok(await call('ADD', conf, { ctr: c2, id: 'b' }));
    assert.deepEqual([mode(ns.container), mode(c2)], ['private', 'private']);
    assert.equal(pings(ns.container, '10.66.0.3'), false);
    ok(await call('DEL', conf, { id: 'a' }));
    ok(await call('DEL', conf, { ctr: c2, id: 'b' }));
  });

  for (const m of ['vepa', 'passthru'] as const) {
    it(`${m} mode: created with that mode; CHECK passes, and fails against another mode (114)`, async () => {
      const conf = mvConf('1.0.0', dataDir, { mode: m });
      const add = ok(await call('ADD', conf));
      assert.equal(mode(ns.container), m);
      ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
      fails(await call('CHECK', withPrev({ ...conf, mode: 'bridge' }, add.json)), 114, new RegExp(`^container macvlan mode ${m} does not match expected value: bridge$`));
      ok(await call('DEL', conf));
      assert.deepEqual([nonLo(ns.container), leases(dataDir)], [[], []]);
    });
  }

  it('source mode: the MAC list reaches the kernel, and CHECK compares it', async () => {
    const macaddrs = ['0a:58:00:00:00:01', '0a:58:00:00:00:02'];
    const conf = mvConf('1.1.0', dataDir, { mode: 'source', macaddrs });
    const add = ok(await call('ADD', conf));
    const data = links(ns.container).get('eth0').linkinfo.info_data;
    assert.deepEqual([data.mode, data.macaddr_count, [...data.macaddr_data].sort()], ['source', 2, macaddrs]);
    ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
    fails(await call('CHECK', withPrev({ ...conf, macaddrs: [macaddrs[0]] }, add.json)), 114, /source MACs .* do not match macaddrs/);
    ok(await call('DEL', conf));
  });

  it('mtu and the MAC (config < CNI_ARGS < runtimeConfig) reach the kernel; dns is in the result', async () => {
    const dns = { nameservers: ['10.66.0.53'], search: ['example.test'] };
    const conf = mvConf('1.0.0', dataDir, { mtu: 1400, mac: '0a:58:00:00:00:0a', runtimeConfig: { mac: '0a:58:00:00:00:0c' }, dns });
    const add = ok(await call('ADD', conf, { env: { CNI_ARGS: 'IgnoreUnknown=1;MAC=0a:58:00:00:00:0b' } }));
    const eth0 = links(ns.container).get('eth0');
    assert.deepEqual([eth0.mtu, eth0.address, add.json.interfaces[0].mac], [1400, '0a:58:00:00:00:0c', '0a:58:00:00:00:0c']);
    assert.deepEqual(add.json.dns, dns);
    ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
    ok(await call('DEL', conf));
    ok(await call('ADD', mvConf('1.0.0', dataDir, { mac: '0a:58:00:00:00:0a' }), { env: { CNI_ARGS: 'IgnoreUnknown=1;MAC=0a:58:00:00:00:0b' } }));
    assert.equal(links(ns.container).get('eth0').address, '0a:58:00:00:00:0b', 'CNI_ARGS wins over the config');
    ok(await call('DEL', conf));
  });

  it('no master given: the interface of the host default route', async () => {
    ip(ns.host.name, 'addr', 'add', '192.0.2.1/24', 'dev', MASTER);
    ip(ns.host.name, 'route', 'add', 'default', 'via', '192.0.2.254', 'dev', MASTER);
    const conf = mvConf('1.0.0', dataDir, { master: undefined }, null);
    ok(await call('ADD', conf));
    assert.equal(links(ns.container).get('eth0').link_index, masterIndex);
    ok(await call('DEL', conf));
  });

  it('linkInContainer: the master (named or by default route) lives in the container netns', async () => {
    ip(ns.container.name, 'link', 'add', 'inner0', 'type', 'veth', 'peer', 'name', 'inner1');
    ip(ns.container.name, 'link', 'set', 'inner0', 'up');
    ip(ns.container.name, 'link', 'set', 'inner1', 'up');
    const conf = mvConf('1.0.0', dataDir, { master: 'inner0', linkInContainer: true });
    const add = ok(await call('ADD', conf));
    const eth0 = links(ns.container).get('eth0');
    // iproute2 names a lower device of the same netns (`link`) and numbers one elsewhere (`link_index`).
    assert.deepEqual([eth0.linkinfo.info_kind, eth0.link, eth0.link_netnsid], ['macvlan', 'inner0', undefined]);
    ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
    ok(await call('DEL', conf));
    ip(ns.container.name, 'route', 'add', 'default', 'dev', 'inner0');
    const byRoute = mvConf('1.0.0', dataDir, { master: undefined, linkInContainer: true }, null);
    ok(await call('ADD', byRoute));
    assert.equal(links(ns.container).get('eth0').link, 'inner0');
    ok(await call('DEL', byRoute));
    assert.deepEqual(nonLo(ns.container).sort(), ['inner0', 'inner1']);
  });

  it('CHECK notices a changed MAC and a missing address (114) and a missing prevResult (7)', async () => {
    const conf = mvConf('1.0.0', dataDir);
    const add = ok(await call('ADD', conf));
    const prev = structuredClone(add.json);
    prev.interfaces[0].mac = '0a:58:00:00:00:99';
    fails(await call('CHECK', withPrev(conf, prev)), 114, /^interface eth0 Mac 0a:58:00:00:00:99 doesn't match container Mac/);
    fails(await call('CHECK', conf), 7, /^required prevResult missing$/);
    ip(ns.container.name, 'addr', 'del', '10.66.0.2/24', 'dev', 'eth0');
    fails(await call('CHECK', withPrev(conf, add.json)), 114, /^Failed to match addr 10\.66\.0\.2\/24 on interface eth0$/);
    ok(await call('DEL', conf));
  });
});
