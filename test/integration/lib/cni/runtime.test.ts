// The runtime side of CNI against real plugins: our built bridge + host-local chained with Debian's
// reference `tuning` (setting a sysctl in the container), run by CniRuntime inside a throwaway "host"
// netns (its spawn is wrapped in withNetns, so each plugin process starts there). Proves links,
// addresses, leases, the sysctl and libcni's cache file, then CHECK, DEL (twice), GC and STATUS.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CniRuntime, parseConfList, type NetworkConfigList } from '../../../../lib/cni/runtime';
import { withNetns } from '../../../../lib/netns';
import { ipJson, makeTestNetns, type TestNetns } from '../../../helpers/netns';
import { skipUnless } from '../../../helpers/skip';

const DIST = path.resolve(__dirname, '../../../../dist/bin');
const REFERENCE = '/usr/lib/cni';
const NET = 'rtnet';
const BRIDGE = 'cnirt0';
const SYSCTL = 'net.ipv4.conf.eth0.arp_notify';

function chain(dataDir: string, version = '1.0.0', withTuning = true): NetworkConfigList {
  const plugins: object[] = [
    {
      type: 'bridge',
      bridge: BRIDGE,
      isGateway: true,
      ipMasq: false,
      ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.201.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] },
    },
  ];
  // Debian's tuning speaks up to 1.0.0, so the chained list is 1.0.0; STATUS and the GC verb use a
  // bridge-only 1.1.0 list of the same network.
  if (withTuning) plugins.push({ type: 'tuning', sysctl: { [SYSCTL]: '1' } });
  return parseConfList(JSON.stringify({ cniVersion: version, name: NET, plugins }));
}

const nsPath = (ns: TestNetns): string => `/run/netns/${ns.name}`;
const linkNames = (ns: TestNetns): string[] => (ipJson(ns.name, 'link', 'show') as any[]).map((l) => l.ifname as string);
const veths = (ns: TestNetns): string[] => (ipJson(ns.name, 'link', 'show', 'type', 'veth') as any[]).map((l) => l.ifname as string);
function addrs(ns: TestNetns, dev: string): string[] {
  const [l] = ipJson(ns.name, 'addr', 'show', 'dev', dev) as any[];
  return (l?.addr_info ?? []).filter((a: any) => a.scope === 'global').map((a: any) => `${a.local}/${a.prefixlen}`);
}
function sysctlIn(ns: TestNetns, key: string): string {
  return withNetns(ns, () => fs.readFileSync(`/proc/sys/${key.replace(/\./g, '/')}`, 'utf8').trim());
}

describe('lib/cni/runtime (integration: bridge + host-local + reference tuning)', function () {
  let host: TestNetns;
  let ctrs: TestNetns[];
  let tmp: string;
  let rt: CniRuntime;
  let dataDir: string;
  let cacheDir: string;

  before(function () {
    // `npm test` builds first; run `node scripts/build.mjs` when running this file alone.
    skipUnless(this, fs.existsSync(path.join(DIST, 'bridge')) && fs.existsSync(path.join(DIST, 'host-local')), `no bridge or host-local in ${DIST}: run node scripts/build.mjs`);
    skipUnless(this, fs.existsSync(path.join(REFERENCE, 'tuning')), `no ${path.join(REFERENCE, 'tuning')}: install containernetworking-plugins (scripts/setup.sh)`);
  });

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cnirt-'));
    dataDir = path.join(tmp, 'ipam');
    cacheDir = path.join(tmp, 'cache');
    host = makeTestNetns('host');
    ctrs = [makeTestNetns('ctr'), makeTestNetns('ctr')];
    rt = new CniRuntime({
      pluginPaths: [DIST, REFERENCE],
      cacheDir,
      spawn: (file, args, opts) => withNetns(host, () => spawn(file, args, opts)),
    });
  });

  afterEach(() => {
    for (const ns of ctrs ?? []) ns.remove();
    host?.remove();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const rtOf = (i: number) => ({ containerId: `ctr${i}`, netns: nsPath(ctrs[i]!), ifName: 'eth0', args: [['IgnoreUnknown', '1']] as [string, string][] });
  const cacheFile = (i: number): string => path.join(cacheDir, 'results', `${NET}-ctr${i}-eth0`);
  const lease = (ip: string): string => path.join(dataDir, NET, ip);

  it('ADD, CHECK, DEL, DEL again', async () => {
    const list = chain(dataDir);
    const result = await rt.addNetworkList(list, rtOf(0));

    // The chain's final result: bridge's interfaces and address, passed through tuning.
    assert.equal(result.cniVersion, '1.1.0');
    assert.deepEqual(result.ips?.map((i) => i.address), ['10.201.0.2/24']);
    const ctrIf = result.interfaces?.find((i) => i.sandbox === nsPath(ctrs[0]!));
    assert.equal(ctrIf?.name, 'eth0');
    // Kernel state: the bridge and one veth in the host netns, eth0 with its address in the container.
    assert.ok(linkNames(host).includes(BRIDGE));
    assert.equal(veths(host).length, 1);
    assert.deepEqual(addrs(ctrs[0]!, 'eth0'), ['10.201.0.2/24']);
    assert.equal(sysctlIn(ctrs[0]!, SYSCTL), '1', 'tuning set its sysctl');
    assert.equal(fs.readFileSync(lease('10.201.0.2'), 'utf8').split(/\r?\n/)[0], 'ctr0');

    // libcni's cache file.
    const st = fs.statSync(cacheFile(0));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(cacheFile(0))).mode & 0o777, 0o700);
    const cached = JSON.parse(fs.readFileSync(cacheFile(0), 'utf8'));
    assert.deepEqual(Object.keys(cached), ['kind', 'containerId', 'config', 'ifName', 'networkName', 'netns', 'cniArgs', 'result']);
    assert.deepEqual([cached.kind, cached.containerId, cached.ifName, cached.networkName, cached.netns], ['cniCacheV1', 'ctr0', 'eth0', NET, nsPath(ctrs[0]!)]);
    assert.equal(Buffer.from(cached.config, 'base64').toString(), list.bytes.toString());
    assert.deepEqual(cached.cniArgs, [['IgnoreUnknown', '1']]);
    assert.equal(cached.result.cniVersion, '1.0.0');
    assert.deepEqual(cached.result.ips.map((i: any) => i.address), ['10.201.0.2/24']);

    await rt.checkNetworkList(list, rtOf(0));

    await rt.delNetworkList(list, rtOf(0));
    assert.equal(fs.existsSync(cacheFile(0)), false, 'cache entry removed');
    assert.deepEqual(veths(host), [], 'host veth gone');
    assert.equal(linkNames(ctrs[0]!).includes('eth0'), false, 'container eth0 gone');
    assert.equal(fs.existsSync(lease('10.201.0.2')), false, 'lease released');

    await rt.delNetworkList(list, rtOf(0));
    await rt.delNetworkList(list, { ...rtOf(0), netns: '' });
  });

  it('GC DELs a cached attachment not in the valid set and keeps the valid one; STATUS', async () => {
    const list = chain(dataDir);
    await rt.addNetworkList(list, rtOf(0));
    await rt.addNetworkList(list, rtOf(1));
    assert.equal(veths(host).length, 2);
    assert.ok(fs.existsSync(lease('10.201.0.3')));

    await rt.gcNetworkList(list, [{ containerId: 'ctr0', ifName: 'eth0' }]);
    assert.equal(fs.existsSync(cacheFile(1)), false, 'stale cache entry removed');
    assert.equal(fs.existsSync(lease('10.201.0.3')), false, 'stale lease released');
    assert.equal(linkNames(ctrs[1]!).includes('eth0'), false, 'stale eth0 gone');
    assert.equal(veths(host).length, 1, 'only the valid veth is left');
    assert.ok(fs.existsSync(cacheFile(0)), 'valid cache entry kept');
    assert.ok(fs.existsSync(lease('10.201.0.2')), 'valid lease kept');
    assert.deepEqual(addrs(ctrs[0]!, 'eth0'), ['10.201.0.2/24']);

    // The GC verb (1.1.0) to our bridge, which hands it to host-local: the valid lease survives it.
    const v11 = chain(dataDir, '1.1.0', false);
    await rt.gcNetworkList(v11, [{ containerId: 'ctr0', ifName: 'eth0' }]);
    assert.ok(fs.existsSync(lease('10.201.0.2')));
    assert.ok(fs.existsSync(cacheFile(0)));
    await rt.statusNetworkList(v11);
    await rt.statusNetworkList(list);

    await rt.delNetworkList(list, rtOf(0));
    assert.deepEqual(veths(host), []);
    assert.deepEqual(fs.readdirSync(path.join(cacheDir, 'results')), []);
  });
});
