// The BUILT overlay plugin (dist/bin/overlay; `node scripts/build.mjs` first) in a throwaway "host"
// netns with a lease file written by the test (no berthd): it delegates to dist/bin/bridge, which
// runs in the overlay's own process (as our host-local runs in the bridge's), or to the reference
// bridge when that is the one in CNI_PATH. Kernel, firewall and file state are read back after every verb.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ipJson, makeTestNetns, useNetnsPair, type TestNetns } from '../../../helpers/netns';
import { runPluginInNetns } from '../../../helpers/run-plugin';
import { DIST, REFERENCE_DIR, VERSIONS, addrs, at, cniChains, inNs, leases, links, natRules, nsPath, ok, resultAddresses, withPrev } from '../bridge-harness';

const OVERLAY = path.join(DIST, 'overlay');
const LEASE = { name: 'ovnet', network: '10.244.0.0/16', subnet: '10.244.3.0/24', mtu: 1400, vni: 1, bridge: 'ovbr-t0' };

describe('plugins/overlay (built executable)', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  let dir: string;
  let runDir: string;
  let dataDir: string;
  before(() => {
    if (!fs.existsSync(OVERLAY)) throw new Error(`${OVERLAY} is missing: run \`node scripts/build.mjs\` first`);
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ovl-it-'));
    runDir = path.join(dir, 'run');
    dataDir = path.join(dir, 'data');
    writeLease();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const leaseFile = () => path.join(runDir, 'overlay', 'ovnet.json');
  function writeLease(extra: Record<string, unknown> = {}): void {
    fs.mkdirSync(path.dirname(leaseFile()), { recursive: true });
    fs.writeFileSync(leaseFile(), JSON.stringify({ ...LEASE, expiresAt: Date.now() + 3_600_000, ...extra }));
  }
  const conf = (version = '1.1.0', extra: Record<string, unknown> = {}) => ({ cniVersion: version, name: 'ovnet', type: 'overlay', runDir, dataDir, ...extra });
  const call = (command: string, c: object, o: { netns?: string; containerID?: string; ifName?: string; env?: Record<string, string>; ctr?: TestNetns } = {}) =>
    runPluginInNetns(ns.host, OVERLAY, { command, cniPath: DIST, netns: o.netns ?? nsPath(o.ctr ?? ns.container), containerID: o.containerID, ifName: o.ifName, env: o.env }, c);
  const scratch = (cid = 'ctr1') => path.join(dataDir, '.overlay-scratch', `ovnet:${cid}-eth0.json`);
  const legacyScratch = (cid = 'ctr1') => path.join(dataDir, 'overlay', `${cid}-eth0.json`);
  const hostVeths = () => [...links(ns.host).values()].filter((l) => l.linkinfo?.info_kind === 'veth');

  /** Nothing of attachment `cid` is left on the host or on disk. */
  function assertGone(cid = 'ctr1'): void {
    assert.deepEqual(hostVeths(), [], 'no veth');
    assert.deepEqual(cniChains(natRules(ns.host)), [], 'no masquerade chain');
    assert.doesNotMatch(natRules(ns.host), /CNI-/, 'no masquerade jump');
    assert.deepEqual(leases(dataDir, 'ovnet'), [], 'no host-local lease');
    assert.equal(fs.existsSync(scratch(cid)), false, 'no stored delegate config');
  }

  it('ADD: the lease\'s bridge, gateway, subnet, routes and MTU; the masquerade chain skips the cluster CIDR; CHECK; DEL leaves nothing; DEL again', async () => {
    const add = ok(await call('ADD', conf()), 'ADD');
    assert.deepEqual(add.json.ips, [{ interface: 2, address: '10.244.3.2/24', gateway: '10.244.3.1' }]);
    assert.deepEqual(add.json.routes, [{ dst: '10.244.0.0/16' }, { dst: '0.0.0.0/0', gw: '10.244.3.1' }]);
    assert.deepEqual(add.json.interfaces.map((i: any) => i.name).filter((n: string) => !n.startsWith('veth')), ['ovbr-t0', 'eth0']);

    const br = links(ns.host).get('ovbr-t0');
    assert.equal(br.linkinfo.info_kind, 'bridge');
    assert.deepEqual(addrs(ns.host, 'ovbr-t0'), ['10.244.3.1/24']);
    const [veth] = hostVeths();
    assert.deepEqual([veth.master, veth.ifalias], ['ovbr-t0', 'cni ovnet ctr1 eth0']);
    const eth0 = links(ns.container).get('eth0');
    assert.deepEqual([br.mtu, veth.mtu, eth0.mtu], [1400, 1400, 1400], 'the lease\'s MTU on bridge, veth and eth0');
    assert.deepEqual(addrs(ns.container, 'eth0'), ['10.244.3.2/24']);
    const routes = (ipJson(ns.container.name, 'route', 'show') as any[]).map((r) => `${r.dst} ${r.gateway ?? ''}`.trim()).sort();
    assert.deepEqual(routes, ['10.244.0.0/16 10.244.3.1', '10.244.3.0/24', 'default 10.244.3.1']);

    const save = natRules(ns.host);
    const [chain] = cniChains(save);
    assert.ok(chain, save);
    const c = '-m comment --comment "name: \\"ovnet\\" id: \\"ctr1\\""';
    assert.ok(save.includes(`-A POSTROUTING -s 10.244.3.2/32 ${c} -j ${chain}`), save);
    const own = '-m comment --comment "if: \\"eth0\\" name: \\"ovnet\\" id: \\"ctr1\\""';
    assert.ok(save.includes(`-A ${chain} -s 10.244.3.2/32 -d 10.244.3.0/24 ${own} -j ACCEPT`), save);
    assert.ok(save.includes(`-A ${chain} -s 10.244.3.2/32 -d 10.244.0.0/16 ${own} -j ACCEPT`), save);
    assert.ok(save.includes(`-A ${chain} ! -d 224.0.0.0/4 ${c} -j MASQUERADE`), save);
    assert.ok(save.indexOf('-d 10.244.0.0/16') < save.indexOf('-j MASQUERADE'), 'the cluster CIDR is accepted before the masquerade');
    assert.deepEqual(leases(dataDir, 'ovnet'), ['10.244.3.2']);
    assert.equal(JSON.parse(fs.readFileSync(scratch(), 'utf8')).bridge, 'ovbr-t0');

    ok(await call('CHECK', withPrev(conf(), add.json)), 'CHECK');
    ok(await call('DEL', withPrev(conf(), add.json)), 'DEL');
    assert.equal(links(ns.container).has('eth0'), false);
    assertGone();
    ok(await call('DEL', withPrev(conf(), add.json)), 'second DEL');
  });

  describe('spec-version matrix', () => {
    for (const v of VERSIONS) {
      it(`${v}: ADD in the config's version${at(v, '0.4.0') ? ', CHECK' : ''}, DEL`, async () => {
        const add = ok(await call('ADD', conf(v)), 'ADD');
        assert.equal(add.json.cniVersion, v);
        assert.deepEqual(resultAddresses(add.json), ['10.244.3.2/24']);
        if (at(v, '0.4.0')) ok(await call('CHECK', withPrev(conf(v), add.json)), 'CHECK');
        ok(await call('DEL', at(v, '0.4.0') ? withPrev(conf(v), add.json) : conf(v)), 'DEL');
        assertGone();
      });
    }
  });

  it('CHECK fails (114) when the masquerade chain is gone, and when the node\'s lease moved to another subnet', async () => {
    const add = ok(await call('ADD', conf()));
    writeLease({ subnet: '10.244.9.0/24' });
    const moved = await call('CHECK', withPrev(conf(), add.json));
    assert.deepEqual([moved.json?.code, /is now 10\.244\.9\.0\/24/.test(moved.json?.msg)], [114, true], moved.stdout);
    writeLease();
    inNs(ns.host, ['iptables', '-t', 'nat', '-F', 'POSTROUTING']);
    const chain = cniChains(natRules(ns.host))[0]!;
    inNs(ns.host, ['iptables', '-t', 'nat', '-F', chain]);
    inNs(ns.host, ['iptables', '-t', 'nat', '-X', chain]);
    const r = await call('CHECK', withPrev(conf(), add.json));
    assert.deepEqual([r.json?.code, /masquerade rules/.test(r.json?.msg)], [114, true], r.stdout);
    ok(await call('DEL', conf()));
    assertGone();
  });

  it('DEL with the netns gone and the lease file gone: the stored config is enough', async () => {
    ok(await call('ADD', conf()));
    ns.container.remove();
    fs.rmSync(leaseFile());
    ok(await call('DEL', conf()), 'DEL');
    assertGone();
    ok(await call('DEL', conf(), { netns: '' }), 'DEL again, without CNI_NETNS');
  });

  it('ADD without a lease file is code 11 and leaves nothing; STATUS is 50 without, and with an expired, lease file', async () => {
    fs.rmSync(leaseFile());
    const add = await call('ADD', conf());
    assert.deepEqual([add.code, add.json.code], [1, 11]);
    assert.match(add.json.msg, /^try again later: berthd holds no lease for network "ovnet"/);
    assert.equal(links(ns.host).has('ovbr-t0'), false);
    assert.equal(fs.existsSync(scratch()), false);
    const missing = await call('STATUS', conf());
    assert.deepEqual([missing.code, missing.json.code], [1, 50]);
    writeLease({ expiresAt: Date.now() - 1 });
    const expired = await call('STATUS', conf());
    assert.equal(expired.json.code, 50);
    assert.match(expired.json.msg, /expired at/);
    writeLease();
    ok(await call('STATUS', conf()), 'STATUS with a live lease');
  });

  it('two interfaces of one container: DEL of net1 leaves eth0\'s masquerade (cluster CIDR excluded) exactly; DEL of eth0 leaves nothing', async () => {
    const nat = () => natRules(ns.host).split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\[\d+:\d+\]/g, '[0:0]');
    const before = nat();
    ok(await call('ADD', conf()));
    const eth0Only = nat();
    const net1 = ok(await call('ADD', conf(), { ifName: 'net1' }));
    assert.match(nat(), /-s 10\.244\.3\.3\/32 -d 10\.244\.0\.0\/16 -m comment --comment "if: \\"net1\\"/);
    ok(await call('DEL', withPrev(conf(), net1.json), { ifName: 'net1' }));
    assert.equal(nat(), eth0Only);
    ok(await call('DEL', conf()));
    assert.equal(nat(), before);
    assertGone();
  });

  it('a failed ADD (test hook after the masquerade) undoes everything', async () => {
    const r = await call('ADD', conf(), { env: { BERTH_TEST_FAIL_AFTER: 'overlay-ipmasq' } });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.json.msg, /injected failure after step "overlay-ipmasq"/);
    assert.equal(links(ns.container).has('eth0'), false);
    assertGone();
  });

  it('GC collects the attachments not in cni.dev/valid-attachments: veth, lease, chain, stored config', async () => {
    const c2 = makeTestNetns('ctr');
    try {
      ok(await call('ADD', conf()));
      ok(await call('ADD', conf(), { containerID: 'ctr2', ctr: c2 }));
      ok(await call('GC', { ...conf(), 'cni.dev/valid-attachments': [{ containerID: 'ctr2', ifname: 'eth0' }] }), 'GC');
      assert.deepEqual(leases(dataDir, 'ovnet'), ['10.244.3.3']);
      assert.equal(fs.existsSync(scratch('ctr1')), false);
      assert.equal(fs.existsSync(scratch('ctr2')), true);
      assert.equal(cniChains(natRules(ns.host)).length, 1);
      ok(await call('DEL', conf(), { containerID: 'ctr2', ctr: c2 }));
      ok(await call('DEL', conf()));
      assertGone('ctr2');
    } finally {
      c2.remove();
    }
  });

  it('a repeated ADD of a live attachment is refused (121) and leaves it whole: its DEL still releases the IP', async () => {
    const add = ok(await call('ADD', conf()));
    const again = await call('ADD', conf());
    assert.deepEqual([again.code, again.json?.code], [1, 121], again.stdout);
    assert.match(again.json.msg, /already attached to network "ovnet" as eth0/);
    assert.equal(JSON.parse(fs.readFileSync(scratch(), 'utf8')).bridge, 'ovbr-t0', 'the live attachment\'s config is intact');
    assert.deepEqual(leases(dataDir, 'ovnet'), ['10.244.3.2']);
    ok(await call('DEL', withPrev(conf(), add.json)), 'DEL');
    assertGone();
  });

  it('DEL of an attachment an earlier version stored at <dataDir>/overlay/ releases it and removes that file', async () => {
    ok(await call('ADD', conf()));
    fs.mkdirSync(path.dirname(legacyScratch()), { recursive: true });
    fs.renameSync(scratch(), legacyScratch());
    ok(await call('DEL', conf()), 'DEL');
    assertGone();
    assert.equal(fs.existsSync(legacyScratch()), false);
  });

  /** The `berthPhases` reports on stderr: one per Node process that ran a plugin. */
  const phaseReports = (stderr: string) =>
    stderr.split('\n').filter((l) => l.startsWith('{"berthPhases"')).map((l) => JSON.parse(l).berthPhases as Record<string, number>);

  it('berth\'s own bridge runs in the overlay\'s process: one Node start reports the bridge\'s phases, for ADD and DEL', async () => {
    const env = { BERTH_PHASES: '1' };
    const add = await call('ADD', conf(), { env });
    ok(add, 'ADD');
    const [report, ...more] = phaseReports(add.stderr);
    assert.deepEqual(more, [], `one process only: ${add.stderr}`);
    for (const name of ['validation', 'ipam', 'netlink', 'result']) assert.ok(report && name in report, `${name} in ${JSON.stringify(report)}`);
    const del = await call('DEL', withPrev(conf(), add.json), { env });
    ok(del, 'DEL');
    assert.equal(phaseReports(del.stderr).length, 1, del.stderr);
    assertGone();
  });

  it('a reference bridge in CNI_PATH is exec\'d instead, and its attachment is removed by the same DEL', async function () {
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    for (const p of ['overlay', 'host-local']) fs.symlinkSync(path.join(DIST, p), path.join(bin, p));
    fs.symlinkSync(path.join(REFERENCE_DIR, 'bridge'), path.join(bin, 'bridge'));
    const viaRef = (command: string, c: object) =>
      runPluginInNetns(ns.host, OVERLAY, { command, cniPath: bin, netns: nsPath(ns.container), env: { BERTH_PHASES: '1' } }, c);
    // Debian's reference bridge speaks up to 1.0.0.
    const add = ok(await viaRef('ADD', conf('1.0.0')), 'ADD');
    // Ours (overlay, then host-local exec'd by the reference bridge) report; the Go bridge does not.
    assert.equal(phaseReports(add.stderr).length, 2, add.stderr);
    assert.deepEqual(addrs(ns.container, 'eth0'), ['10.244.3.2/24']);
    assert.equal(links(ns.host).get('ovbr-t0')?.linkinfo?.info_kind, 'bridge');
    assert.deepEqual(leases(dataDir, 'ovnet'), ['10.244.3.2']);
    ok(await viaRef('DEL', withPrev(conf('1.0.0'), add.json)), 'DEL');
    assert.equal(links(ns.container).has('eth0'), false);
    assertGone();
  });

  it('two containers ping each other and the gateway', async () => {
    const c2 = makeTestNetns('ctr');
    try {
      ok(await call('ADD', conf()));
      ok(await call('ADD', conf(), { containerID: 'ctr2', ctr: c2 }));
      inNs(ns.container, ['ping', '-c', '1', '-W', '2', '10.244.3.3']);
      inNs(c2, ['ping', '-c', '1', '-W', '2', '10.244.3.2']);
      inNs(ns.container, ['ping', '-c', '1', '-W', '2', '10.244.3.1']);
      ok(await call('DEL', conf(), { containerID: 'ctr2', ctr: c2 }));
      ok(await call('DEL', conf()));
      assertGone('ctr2');
    } finally {
      c2.remove();
    }
  });
});
