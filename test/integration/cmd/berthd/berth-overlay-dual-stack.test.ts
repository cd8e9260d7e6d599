// berth on a dual-stack overlay network across two simulated hosts (the set-up of berth-overlay.test:
// the built berthd on a file store and the built berth CLI in each host's netns): `berth network
// create -d overlay --subnet <v4> --subnet <v6> --ipv6` on both hosts, a busybox container on each,
// which gets an address of each family from its host's two leased subnets and pings the other over
// IPv6 and IPv4 from inside the container; removal leaves no veth, lease, ip6tables or iptables chain.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BERTH_BIN, BerthSandbox } from '../../../helpers/berth';
import { Cluster, DIST, berthSandboxOn, waitFor, type Host } from './three-hosts-harness';
import { skipUnless } from '../../../helpers/skip';

const NET = 'ovds';
const CIDR = '10.251.0.0/16';
const CIDR6 = 'fd00:10:251::/48';


const nat6 = (h: Host) => execFileSync('ip', ['netns', 'exec', h.ns.name, 'ip6tables-save', '-t', 'nat'], { encoding: 'utf8' });

describe('berth on a dual-stack overlay network across two hosts', function () {
  this.timeout(120_000);
  let c: Cluster | undefined;
  let storeDir: string | undefined;
  let hosts: Host[];
  let sbs: BerthSandbox[] = [];
  const addrs: Record<string, { v4: string; v6: string }> = {};

  before(async function () {
    skipUnless(this, fs.existsSync(path.join(DIST, 'berthd')) && fs.existsSync(BERTH_BIN), `no ${path.join(DIST, 'berthd')} or ${BERTH_BIN}: run node scripts/build.mjs`);
    storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-store-'));
    c = new Cluster(`file:${path.join(storeDir, 'store.json')}`);
    hosts = [1, 2].map((n) => c!.addHost(n));
    for (const h of hosts) c.start(h, []);
    for (const h of hosts) {
      await waitFor(`berthd on host ${h.n}`, () => fs.existsSync(path.join(h.runDir, 'berthd.sock'))).catch((err) => { throw new Error(`${err.message}\n${c!.log(h)}`); });
    }
    sbs = hosts.map((h) => berthSandboxOn(h, 'ovds'));
    await Promise.all(sbs.map((sb) => sb.ok(['image', 'busybox'])));
  });

  after(async function () {
    this.timeout(60_000);
    const problems: string[] = [];
    for (const sb of sbs) await sb.removeAllContainers().then((p) => void (p && problems.push(p)), (e) => void problems.push(String(e)));
    if (c) for (const h of c.hosts) await c.kill(h, 'SIGTERM');
    for (const sb of sbs) await sb.cleanup().catch((e) => problems.push(String(e)));
    await c?.destroy();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  it('creates the dual-stack network on both hosts; inspect shows EnableIPv6 and both subnets; each host leases one of each', async () => {
    for (const sb of sbs) await sb.ok(['network', 'create', '-d', 'overlay', '--subnet', CIDR, '--subnet', CIDR6, '--ipv6', NET]);
    for (const [i, h] of hosts.entries()) {
      const lease = await waitFor(`host ${h.n}'s dual-stack lease`, () => { const l = c!.leaseFile(h, NET); return l?.ipv6Subnet !== undefined ? l : undefined; });
      assert.deepEqual([lease.network, lease.ipv6Network], [CIDR, CIDR6]);
      const [net] = JSON.parse(await sbs[i]!.ok(['network', 'inspect', NET])) as any[];
      assert.deepEqual([net.Driver, net.EnableIPv6, net.IPAM.Config], ['overlay', true, [{ Subnet: CIDR }, { Subnet: CIDR6 }]]);
    }
    const [l1, l2] = hosts.map((h) => c!.leaseFile(h, NET)!);
    assert.notEqual(l1!.ipv6Subnet, l2!.ipv6Subnet);
  });

  it('runs a container on each host with an IPv4 and an IPv6 address of its host\'s subnets', async () => {
    for (const [i, name] of ['da', 'db'].entries()) {
      const sb = sbs[i]!;
      const id = await sb.ok(['run', '-d', '--network', NET, '--name', name, 'busybox', 'sleep', '300']);
      const lease = c!.leaseFile(hosts[i]!, NET)!;
      const [net] = JSON.parse(await sb.ok(['network', 'inspect', NET])) as any[];
      const entry = net.Containers[id];
      assert.ok(entry, JSON.stringify(net.Containers));
      const v4 = String(entry.IPv4Address).split('/')[0]!;
      const v6 = String(entry.IPv6Address).split('/')[0]!;
      addrs[name] = { v4, v6 };
      assert.ok(v6.startsWith(lease.ipv6Subnet!.split('::')[0]!), `${name}'s ${v6} is in ${lease.ipv6Subnet}`);
      const ctr = await sb.inspect(name);
      assert.deepEqual([ctr.NetworkSettings.Networks[NET].GlobalIPv6Address, ctr.NetworkSettings.Networks[NET].GlobalIPv6PrefixLen], [v6, 64]);
      const inside = await sb.ok(['exec', name, 'ip', '-6', 'addr', 'show', 'dev', 'eth0']);
      assert.match(inside, new RegExp(`inet6 ${v6}/64 scope global`));
    }
  });

  it('pings across hosts from inside the containers over IPv6 and IPv4', async () => {
    // The bridge's IPv6 gateway address runs duplicate address detection (as the reference bridge
    // adds it): until that ends, the host does not answer neighbour solicitations for it.
    for (const h of hosts) {
      const br = c!.leaseFile(h, NET)!.bridge;
      await waitFor(`host ${h.n}'s ${br} IPv6 gateway to finish DAD`, () => execFileSync('ip', ['-n', h.ns.name, '-6', 'addr', 'show', 'dev', br, 'tentative'], { encoding: 'utf8' }).trim() === '');
    }
    const out6 = await sbs[0]!.ok(['exec', 'da', 'ping', '-6', '-c', '3', '-W', '2', addrs.db!.v6]);
    assert.match(out6, /3 packets transmitted, [23] packets received/);
    const back6 = await sbs[1]!.ok(['exec', 'db', 'ping', '-6', '-c', '2', '-W', '2', addrs.da!.v6]);
    assert.match(back6, /2 packets received/);
    const out4 = await sbs[0]!.ok(['exec', 'da', 'ping', '-c', '2', '-W', '2', addrs.db!.v4]);
    assert.match(out4, /2 packets received/);
  });

  it('removes the containers and the network and leaves no veth, lease or chain of either family', async () => {
    assert.match(nat6(hosts[0]!), /CNI-/, 'an ip6tables chain while the container runs');
    for (const [i, name] of ['da', 'db'].entries()) {
      await sbs[i]!.ok(['rm', '-f', name]);
      await sbs[i]!.ok(['network', 'rm', NET]);
      const left = sbs[i]!.residue();
      assert.deepEqual([left.leases, left.chains, left.netns, left.veths.filter((v) => !v.startsWith('eth0 '))], [[], [], [], []]);
      assert.doesNotMatch(nat6(hosts[i]!), /CNI-/);
      assert.doesNotMatch(sbs[i]!.natRules(), /CNI-/);
    }
  });
});
