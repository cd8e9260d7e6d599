// The BUILT macvlan when things go wrong: DEL twice, DEL with the netns or the master gone, an ADD
// failed on purpose after each step (nothing may be left: no link, no lease), an existing CNI_IFNAME,
// a MAC taken, bad configs (code 7 naming the field), STATUS (50 with the master missing, the IPAM's
// answer otherwise), GC forwarded to the IPAM, and the exec path to the reference host-local.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ip, makeTestNetns, useNetnsPair, type TestNetns } from '../../helpers/netns';
import { attachmentVethName } from '../../../lib/iface/veth-name';
import {
  MASTER, NETWORK, REFERENCE_DIR, fails, leases, links, makeMaster, mvConf, nonLo, nsPath, ok, runPlugin, stageBinaries, withPrev, type Call, type Run,
} from './macvlan-harness';

describe('plugins/macvlan (built executable): failures and edge cases', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  let bin: string;
  let dataDir: string;
  before(() => { bin = stageBinaries(); });
  after(() => fs.rmSync(bin, { recursive: true, force: true }));
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mv-it-'));
    makeMaster(ns.host);
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const call = (command: Call['command'], conf: object, o: Partial<Call> & { ctr?: TestNetns } = {}): Promise<Run> => runPlugin({
    host: ns.host, bin: path.join(bin, 'macvlan'), cniPath: bin, command,
    netns: o.netns ?? (command === 'GC' || command === 'STATUS' ? '' : nsPath(o.ctr ?? ns.container)), ...o,
  }, conf);
  const conf = (extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = {}) => mvConf('1.1.0', dataDir, extra, ipam);

  it('DEL twice: both succeed, the second with nothing left to do', async () => {
    const add = ok(await call('ADD', conf()));
    ok(await call('DEL', withPrev(conf(), add.json)));
    ok(await call('DEL', withPrev(conf(), add.json)));
    assert.deepEqual([nonLo(ns.container), leases(dataDir)], [[], []]);
  });

  it('DEL with the netns gone (or CNI_NETNS empty) still releases the lease', async () => {
    const gone = makeTestNetns('ctrgone');
    const gonePath = nsPath(gone);
    try {
      ok(await call('ADD', conf(), { ctr: gone, containerID: 'g1' }));
      ok(await call('ADD', conf(), { containerID: 'g2' }));
      assert.deepEqual(leases(dataDir), ['10.66.0.2', '10.66.0.3']);
    } finally {
      gone.remove(); // also when an ADD above failed: the netns must not outlive the test
    }
    ok(await call('DEL', conf(), { netns: gonePath, containerID: 'g1' }), 'DEL with the netns path gone');
    ok(await call('DEL', conf(), { netns: '', containerID: 'g2' }), 'DEL with CNI_NETNS empty');
    assert.deepEqual(leases(dataDir), []);
  });

  it('DEL finds the macvlan the container renamed, and one an ADD killed before its rename left under the temporary name', async () => {
    ok(await call('ADD', conf()));
    ip(ns.container.name, 'link', 'set', 'eth0', 'name', 'renamed0');
    ok(await call('DEL', conf()));
    assert.deepEqual([nonLo(ns.container), leases(dataDir)], [[], []]);
    // What a kill between creating the link and tagging it leaves: the derived temporary name, no alias.
    const tmp = attachmentVethName(NETWORK, 'ctr1', 'eth0');
    ip(ns.host.name, 'link', 'add', 'link', MASTER, 'name', tmp, 'netns', ns.container.name, 'type', 'macvlan', 'mode', 'bridge');
    assert.deepEqual(nonLo(ns.container), [tmp]);
    ok(await call('DEL', conf()));
    assert.deepEqual(nonLo(ns.container), []);
  });

  it('DEL with the master gone (it takes its macvlans along) releases the lease', async () => {
    ok(await call('ADD', conf()));
    ip(ns.host.name, 'link', 'del', MASTER);
    assert.deepEqual(nonLo(ns.container), [], 'the kernel removed the macvlan with its master');
    ok(await call('DEL', conf()));
    assert.deepEqual(leases(dataDir), []);
  });

  for (const step of ['link', 'rename', 'ipam', 'configure']) {
    it(`an ADD failed after step "${step}" leaves no link and no lease, and the next ADD works`, async () => {
      const r = await call('ADD', conf(), { env: { BERTH_TEST_FAIL_AFTER: step } });
      fails(r, 999, new RegExp(`^injected failure after step "${step}"`));
      assert.deepEqual(nonLo(ns.container), [], 'no link, under either name');
      assert.deepEqual(leases(dataDir), []);
      ok(await call('ADD', conf()));
      assert.deepEqual([nonLo(ns.container), leases(dataDir).length], [['eth0'], 1]);
      ok(await call('DEL', conf()));
    });
  }

  it('an ADD whose CNI_IFNAME exists in the container: 110, and the lease is returned', async () => {
    ip(ns.container.name, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'other0');
    fails(await call('ADD', conf()), 110, /^container interface "eth0" already exists$/);
    assert.deepEqual(nonLo(ns.container).sort(), ['eth0', 'other0'], 'no temporary link left, theirs untouched');
    assert.equal(links(ns.container).get('eth0').linkinfo.info_kind, 'veth');
    assert.deepEqual(leases(dataDir), []);
  });

  it('a MAC already used on the master: 116', async () => {
    const c2 = makeTestNetns('ctr2');
    try {
      const mac = { mac: '0a:58:00:00:00:42' };
      ok(await call('ADD', conf(mac, null)));
      fails(await call('ADD', conf(mac, null), { ctr: c2, containerID: 'x' }), 116, /^MAC 0a:58:00:00:00:42 is already used by another macvlan on master "mvm0"$/);
      assert.deepEqual(nonLo(c2), []);
    } finally {
      c2.remove();
    }
  });

  describe('bad configs: code 7 naming the field, nothing created', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['a master that does not exist', { master: 'nosuch0' }, /^invalid config: \/master: master "nosuch0" not found in the host network namespace$/],
      ['no master and no default route', { master: undefined }, /^invalid config: \/master: no master given and no default route interface found in the host network namespace$/],
      ['an mtu above the master\'s', { mtu: 9000 }, /^invalid config: \/mtu: invalid MTU 9000, must be \[0, master MTU\(1500\)\]/],
      ['an unknown mode', { mode: 'shared' }, /^invalid config: \/mode: unknown macvlan mode "shared"/],
      ['a master "../mvm0"', { master: '../mvm0' }, /^invalid config: \/master: /],
      ['a negative mtu', { mtu: -1 }, /^invalid config: \/mtu: invalid MTU -1/],
      ['a multicast MAC', { runtimeConfig: { mac: '01:00:5e:00:00:01' } }, /^invalid config: \/runtimeConfig\/mac: a multicast MAC/],
    ];
    for (const [what, extra, msg] of cases) {
      it(what, async () => {
        fails(await call('ADD', conf(extra)), 7, msg);
        assert.deepEqual([nonLo(ns.container), leases(dataDir)], [[], []]);
      });
    }
  });

  it('STATUS: 0 with the master there, 50 without it, 50 from the IPAM when its pool is exhausted', async () => {
    ok(await call('STATUS', conf()));
    fails(await call('STATUS', conf({ master: 'nosuch0' })), 50, /^master "nosuch0" not found in the host network namespace$/);
    const tiny = conf({}, { subnet: '10.66.0.0/30' });
    ok(await call('ADD', tiny));
    fails(await call('STATUS', tiny), 50, /has no free address/);
    ok(await call('DEL', tiny));
    ok(await call('STATUS', tiny));
  });

  it('GC is forwarded to the IPAM: leases of attachments not listed are released', async () => {
    const c2 = makeTestNetns('ctr2');
    try {
      ok(await call('ADD', conf(), { containerID: 'keep' }));
      ok(await call('ADD', conf(), { ctr: c2, containerID: 'stale' }));
      ok(await call('GC', { ...conf(), 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] }));
      assert.deepEqual(leases(dataDir), ['10.66.0.2']);
      ok(await call('DEL', conf(), { containerID: 'keep' }));
      ok(await call('DEL', conf(), { ctr: c2, containerID: 'stale' }));
    } finally {
      c2.remove();
    }
  });

  it('with the reference host-local first in CNI_PATH, the IPAM is exec\'d (same layout, same result)', async () => {
    const c = mvConf('1.0.0', dataDir);
    const add = ok(await call('ADD', c, { cniPath: REFERENCE_DIR }));
    assert.deepEqual(add.json.ips, [{ interface: 0, address: '10.66.0.2/24', gateway: '10.66.0.1' }]);
    assert.equal(fs.readFileSync(path.join(dataDir, 'mvnet', '10.66.0.2'), 'utf8'), 'ctr1\r\neth0');
    ok(await call('CHECK', withPrev(c, add.json), { cniPath: REFERENCE_DIR }));
    ok(await call('DEL', c, { cniPath: bin }), 'our in-process DEL releases what the reference leased');
    assert.deepEqual(leases(dataDir), []);
  });
});
