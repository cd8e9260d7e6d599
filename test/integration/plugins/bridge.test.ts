// The BUILT bridge (dist/bin/bridge; `npm run build` first) in a throwaway "host" and "container"
// netns per test, over the spec-version matrix: links, addresses, routes, port flags, masquerade rules
// and lease files after ADD, CHECK and DEL. CNI_PATH is dist/bin, so the IPAM is our host-local.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ipJson, useNetnsPair } from '../../helpers/netns';
import {
  BRIDGE, REFERENCE_DIR, VERSIONS, addrs, at, bridgeConf, cniChains, inNs, leases, links, natRules, nsPath, ok, resultAddresses, runPlugin, withPrev,
} from './bridge-harness';
import { skipUnless } from '../../helpers/skip';

describe('plugins/bridge (built executable)', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  let dataDir: string;
  before(() => {
    if (!fs.existsSync(BRIDGE)) throw new Error(`${BRIDGE} is missing: run \`npm run build\` first`);
  });
  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-br-it-')); });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const call = (command: 'ADD' | 'DEL' | 'CHECK', conf: object, extra: { netns?: string; env?: Record<string, string>; cniPath?: string } = {}) =>
    runPlugin({ host: ns.host, command, netns: extra.netns ?? nsPath(ns.container), env: extra.env, cniPath: extra.cniPath }, conf);

  describe('spec-version matrix (L3, isGateway, ipMasq)', () => {
    for (const v of VERSIONS) {
      it(`${v}: ADD${at(v, '0.4.0') ? ', CHECK' : ''}, DEL, DEL again`, async () => {
        const conf = bridgeConf(v, dataDir, { isGateway: true, ipMasq: true }, { routes: [{ dst: '0.0.0.0/0' }] });
        const add = ok(await call('ADD', conf), 'ADD');
        assert.equal(add.json.cniVersion, v);
        assert.deepEqual(resultAddresses(add.json), ['10.77.0.2/24']);
        if (at(v, '0.3.0')) {
          assert.deepEqual(add.json.interfaces.map((i: any) => i.name).filter((n: string) => !n.startsWith('veth')), ['cni-t0', 'eth0']);
          assert.match(add.json.interfaces[1].name, /^veth[0-9a-f]{8}$/);
          assert.equal(add.json.interfaces[2].sandbox, nsPath(ns.container));
          assert.equal(add.json.ips[0].interface, 2);
          assert.equal(add.json.ips[0].gateway, '10.77.0.1');
          if (!at(v, '1.0.0')) assert.equal(add.json.ips[0].version, '4');
        }

        // Host: the bridge with the gateway, the veth on it; container: eth0 with its address and routes.
        const host = links(ns.host);
        const br = host.get('cni-t0');
        assert.equal(br.linkinfo.info_kind, 'bridge');
        assert.deepEqual(addrs(ns.host, 'cni-t0'), ['10.77.0.1/24']);
        const veths = [...host.values()].filter((l) => l.linkinfo?.info_kind === 'veth');
        assert.equal(veths.length, 1);
        assert.equal(veths[0].master, 'cni-t0');
        assert.equal(veths[0].operstate, 'UP');
        assert.equal(veths[0].linkinfo.info_slave_data.state, 'forwarding');
        assert.equal(veths[0].ifalias, 'cni brnet ctr1 eth0');
        const ctr = links(ns.container).get('eth0');
        assert.equal(ctr.operstate, 'UP');
        if (at(v, '0.3.0')) {
          assert.equal(ctr.address, add.json.interfaces[2].mac);
          assert.equal(br.address, add.json.interfaces[0].mac);
          assert.equal(veths[0].address, add.json.interfaces[1].mac);
        }
        assert.deepEqual(addrs(ns.container, 'eth0'), ['10.77.0.2/24']);
        const routes = (ipJson(ns.container.name, 'route', 'show') as any[]).map((r) => `${r.dst} ${r.gateway ?? ''}`.trim());
        assert.deepEqual(routes.sort(), ['10.77.0.0/24', 'default 10.77.0.1']);
        assert.equal(inNs(ns.host, ['cat', '/proc/sys/net/ipv4/ip_forward']).trim(), '1', 'isGateway turns forwarding on');
        const save = natRules(ns.host);
        assert.equal(cniChains(save).length, 1);
        assert.match(save, /-A POSTROUTING -s 10\.77\.0\.2\/32 -m comment --comment "name: \\"brnet\\" id: \\"ctr1\\"" -j CNI-[0-9a-f]{24}/);
        assert.deepEqual(leases(dataDir, 'brnet'), ['10.77.0.2']);
        assert.equal(fs.readFileSync(path.join(dataDir, 'brnet', '10.77.0.2'), 'utf8'), 'ctr1\r\neth0');

        if (at(v, '0.4.0')) ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
        const delConf = at(v, '0.4.0') ? withPrev(conf, add.json) : conf;
        ok(await call('DEL', delConf), 'DEL');
        assert.equal([...links(ns.host).values()].filter((l) => l.linkinfo?.info_kind === 'veth').length, 0);
        assert.equal(links(ns.container).has('eth0'), false);
        assert.deepEqual(cniChains(natRules(ns.host)), []);
        assert.deepEqual(leases(dataDir, 'brnet'), []);
        assert.deepEqual(addrs(ns.host, 'cni-t0'), ['10.77.0.1/24'], 'the bridge and its gateway stay, as in the reference');
        ok(await call('DEL', delConf), 'second DEL');
      });
    }
  });

  it('L2 mode: no addresses, the interface up, and CHECK works (the reference fails there)', async () => {
    const conf = bridgeConf('1.0.0', dataDir, {}, null);
    const add = ok(await call('ADD', conf));
    assert.equal(add.json.ips, undefined);
    assert.equal(links(ns.container).get('eth0').operstate, 'UP');
    assert.deepEqual(addrs(ns.container, 'eth0'), []);
    ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
    ok(await call('DEL', conf));
    assert.equal(links(ns.container).has('eth0'), false);
  });

  it('disableContainerInterface leaves the container end down (L2)', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { disableContainerInterface: true }, null);
    ok(await call('ADD', conf));
    assert.equal(links(ns.container).get('eth0').flags.includes('UP'), false);
    ok(await call('DEL', conf));
  });

  it('dual stack: IPv6 without DAD (no tentative address), a default route per family with isDefaultGateway', async () => {
    const conf = bridgeConf('1.1.0', dataDir, { isDefaultGateway: true }, { subnet: undefined, ranges: [[{ subnet: '10.77.0.0/24' }], [{ subnet: 'fd77::/64' }]] });
    const add = ok(await call('ADD', conf));
    assert.deepEqual(resultAddresses(add.json), ['10.77.0.2/24', 'fd77::2/64']);
    assert.deepEqual(add.json.routes, [{ dst: '0.0.0.0/0', gw: '10.77.0.1' }, { dst: '::/0', gw: 'fd77::1' }]);
    const [eth0] = ipJson(ns.container.name, 'addr', 'show', 'dev', 'eth0') as any[];
    const v6 = eth0.addr_info.find((a: any) => a.local === 'fd77::2');
    assert.ok(v6, 'fd77::2 is on eth0');
    assert.equal(v6.tentative, undefined, 'not tentative: added with nodad');
    assert.deepEqual(addrs(ns.host, 'cni-t0'), ['10.77.0.1/24', 'fd77::1/64']);
    const r6 = (ipJson(ns.container.name, '-6', 'route', 'show', 'default') as any[]);
    assert.equal(r6[0].gateway, 'fd77::1');
    ok(await call('CHECK', withPrev(conf, add.json)), 'CHECK');
    ok(await call('DEL', withPrev(conf, add.json)));
    assert.deepEqual(leases(dataDir, 'brnet'), []);
  });

  it('mtu, MAC from runtimeConfig, hairpin and port isolation reach the kernel', async () => {
    const mac = '0a:58:0a:4d:00:99';
    const conf = bridgeConf('1.0.0', dataDir, { mtu: 1400, hairpinMode: true, portIsolation: true, runtimeConfig: { mac } });
    const add = ok(await call('ADD', conf));
    const ctr = links(ns.container).get('eth0');
    assert.deepEqual([ctr.address, ctr.mtu], [mac, 1400]);
    assert.equal(add.json.interfaces[2].mac, mac);
    const veth = links(ns.host).get(add.json.interfaces[1].name);
    assert.equal(veth.mtu, 1400);
    assert.equal(links(ns.host).get('cni-t0').mtu, 1400);
    assert.equal(veth.linkinfo.info_slave_data.hairpin, true);
    assert.equal(veth.linkinfo.info_slave_data.isolated, true);
    ok(await call('CHECK', withPrev(conf, add.json)));
    ok(await call('DEL', conf));
  });

  it('promiscMode puts the bridge in promiscuous mode, and CHECK compares it', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { promiscMode: true });
    const add = ok(await call('ADD', conf));
    assert.ok(links(ns.host).get('cni-t0').promiscuity > 0);
    const wrong = await call('CHECK', withPrev({ ...conf, promiscMode: false }, add.json));
    assert.equal(wrong.json.code, 114);
    assert.match(wrong.json.msg, /Promisc Mode false doesn't match current state: true/);
    ok(await call('DEL', conf));
  });

  it('CHECK fails with code 114 when the address, the route or the masquerade rules are gone', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { isDefaultGateway: true, ipMasq: true });
    const add = ok(await call('ADD', conf));
    const prev = withPrev(conf, add.json);
    ok(await call('CHECK', prev));
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['-n', ns.container.name, 'route', 'del', 'default']);
    let r = await call('CHECK', prev);
    assert.deepEqual([r.json.code, /Expected Route .*0\.0\.0\.0\/0.* not found/.test(r.json.msg)], [114, true], r.stdout);
    execFileSync('ip', ['-n', ns.container.name, 'route', 'add', 'default', 'via', '10.77.0.1']);
    execFileSync('ip', ['netns', 'exec', ns.host.name, 'iptables', '-t', 'nat', '-F', 'POSTROUTING']);
    execFileSync('ip', ['netns', 'exec', ns.host.name, 'iptables', '-t', 'nat', '-F', cniChains(natRules(ns.host))[0]!]);
    execFileSync('ip', ['netns', 'exec', ns.host.name, 'iptables', '-t', 'nat', '-X', cniChains(natRules(ns.host))[0]!]);
    r = await call('CHECK', prev);
    assert.deepEqual([r.json.code, /masquerade rules/.test(r.json.msg)], [114, true], r.stdout);
    execFileSync('ip', ['-n', ns.container.name, 'addr', 'flush', 'dev', 'eth0']);
    r = await call('CHECK', prev);
    assert.equal(r.json.code, 114);
    ok(await call('DEL', prev));
  });

  it('a second ADD of the same interface fails with code 110 and keeps the first attachment intact', async () => {
    const conf = bridgeConf('1.0.0', dataDir);
    ok(await call('ADD', conf));
    const again = await call('ADD', conf);
    assert.equal(again.json.code, 110);
    assert.match(again.json.msg, /^container veth name \("eth0"\) peer provided \("veth[0-9a-f]{8}"\) already exists$/);
    assert.deepEqual(leases(dataDir, 'brnet'), ['10.77.0.2']);
    assert.equal([...links(ns.host).values()].filter((l) => l.linkinfo?.info_kind === 'veth').length, 1);
    ok(await call('DEL', conf));
  });

  it('delegates by exec when CNI_PATH holds the reference host-local', async function () {
    skipUnless(this, fs.existsSync(path.join(REFERENCE_DIR, 'host-local')), `no ${path.join(REFERENCE_DIR, 'host-local')}: install containernetworking-plugins (scripts/setup.sh)`);
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true });
    const add = ok(await call('ADD', conf, { cniPath: REFERENCE_DIR }));
    assert.deepEqual(resultAddresses(add.json), ['10.77.0.2/24']);
    assert.deepEqual(leases(dataDir, 'brnet'), ['10.77.0.2']);
    ok(await call('CHECK', withPrev(conf, add.json), { cniPath: REFERENCE_DIR }));
    ok(await call('DEL', conf, { cniPath: REFERENCE_DIR }));
    assert.deepEqual(leases(dataDir, 'brnet'), []);
  });

  it('a name taken by a link of another kind is code 111', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['-n', ns.host.name, 'link', 'add', 'cni-t0', 'type', 'veth', 'peer', 'name', 'cni-t0p']);
    const r = await call('ADD', bridgeConf('1.0.0', dataDir));
    assert.equal(r.json.code, 111);
    assert.match(r.json.msg, /^"cni-t0" already exists but is not a bridge/);
    assert.deepEqual(leases(dataDir, 'brnet'), []);
  });

  it('a bridge with another gateway address: code 112, or replaced with forceAddress', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['-n', ns.host.name, 'link', 'add', 'cni-t0', 'type', 'bridge']);
    execFileSync('ip', ['-n', ns.host.name, 'addr', 'add', '10.99.0.1/24', 'dev', 'cni-t0']);
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true });
    const r = await call('ADD', conf);
    assert.equal(r.json.code, 112);
    assert.match(r.json.msg, /^"cni-t0" already has an IP address different from 10\.77\.0\.1\/24/);
    assert.equal(links(ns.container).has('eth0'), false);
    assert.deepEqual(leases(dataDir, 'brnet'), []);
    ok(await call('ADD', { ...conf, forceAddress: true }));
    assert.deepEqual(addrs(ns.host, 'cni-t0'), ['10.77.0.1/24']);
    ok(await call('DEL', conf));
  });
});
