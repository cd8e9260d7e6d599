// A dual-stack overlay network across simulated hosts on a real etcd (Debian's /usr/bin/etcd, served
// from host 1's netns as in three-hosts-etcd): berthd leases each host an IPv4 and an IPv6 subnet, the
// BUILT overlay plugin attaches a container on each host with one address of each family, and the
// tests read the kernel back: distinct subnets, the IPv6 route / permanent neighbour / shared FDB entry
// per peer on the VXLAN device (appearing when a third host joins, gone when it leaves), pings over
// IPv6 and IPv4 between containers on different hosts, the ip6tables masquerade chain with the IPv6
// cluster CIDR excluded, and DEL and GC leaving nothing. The underlay stays IPv4.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ETCD_BIN, startEtcd, type TestEtcd } from '../../../helpers/etcd';
import { ipJson } from '../../../helpers/netns';
import { runPluginInNetns } from '../../../helpers/run-plugin';
import { cniChains, leases, natRules } from '../../plugins/bridge-harness';
import { Cluster, DIST, ping, waitFor, type Host } from './three-hosts-harness';
import { serving, vtepMac } from './three-hosts-scenario';
import { skipUnless } from '../../../helpers/skip';
import type { NodeLeaseFile } from '../../../../lib/overlay/types';

const NET = 'ov6';
const VNI = 46;
const DEV = `berth.${VNI}`;
const CIDR = '10.246.0.0/16';
const CIDR6 = 'fd00:10:246::/48';

describe('berthd: a dual-stack overlay network on etcd', function () {
  this.timeout(120_000);
  let c: Cluster;
  let etcd: TestEtcd | undefined;
  let hosts: Host[];
  /** Each attached host's container addresses by family, from the plugin's result. */
  const addr: Record<number, { v4: string; v6: string }> = {};
  /** Each attached host's ADD result: the prevResult of its CHECK and DEL, as libcni passes it. */
  const results: Record<number, unknown> = {};
  const dataDir = (h: Host) => path.join(c.dir, `h${h.n}`, 'ipam');
  const conf = (h: Host) => ({ cniVersion: '1.1.0', name: NET, type: 'overlay', runDir: h.runDir, dataDir: dataDir(h) });
  const plugin = (h: Host, command: string, extra: object = {}) =>
    runPluginInNetns(h.ns, path.join(DIST, 'overlay'), { command, cniPath: DIST, netns: `/run/netns/${h.ctr.name}`, containerID: `ctr-h${h.n}` }, { ...conf(h), ...extra });
  const lease = (h: Host): NodeLeaseFile => {
    const l = c.leaseFile(h, NET);
    assert.ok(l, `host ${h.n} has no lease file`);
    return l;
  };

  /** Attaches host h's container with the overlay plugin; returns the ADD result. */
  async function attach(h: Host): Promise<any> {
    const r = await plugin(h, 'ADD');
    assert.equal(r.code, 0, `overlay ADD on host ${h.n}: ${r.stdout} ${r.stderr}`);
    const ips = (r.json.ips as any[]).map((i) => String(i.address));
    results[h.n] = r.json;
    addr[h.n] = { v4: ips.find((a) => !a.includes(':'))!.split('/')[0]!, v6: ips.find((a) => a.includes(':'))!.split('/')[0]! };
    return r.json;
  }

  /** The VXLAN device's IPv6 entries on `h`: routes, neighbours (ours: permanent) and FDB entries. */
  function entries6(h: Host): { routes: string[]; neigh: string[]; fdb: string[] } {
    const routes = (ipJson(h.ns.name, '-6', 'route', 'show', 'dev', DEV) as any[])
      .filter((r) => r.protocol !== 'kernel')
      .map((r) => `${r.dst} via ${r.gateway} ${((r.flags ?? []) as string[]).includes('onlink') ? 'onlink' : ''}`.trim());
    const neigh = (ipJson(h.ns.name, '-6', 'neigh', 'show', 'dev', DEV) as any[])
      .filter((n) => ((n.state ?? []) as string[]).includes('PERMANENT')).map((n) => `${n.dst} ${n.lladdr}`);
    const fdb = (JSON.parse(execFileSync('bridge', ['-n', h.ns.name, '-j', 'fdb', 'show', 'dev', DEV], { encoding: 'utf8' }) || '[]') as any[])
      .filter((f) => f.mac !== '00:00:00:00:00:00').map((f) => `${f.mac} ${f.dst}`);
    return { routes: routes.sort(), neigh: neigh.sort(), fdb: fdb.sort() };
  }

  /** What `h` must hold for `peers`: one IPv6 route and neighbour per peer, one FDB entry per peer MAC. */
  function want6(peers: readonly Host[]): { routes: string[]; neigh: string[]; fdb: string[] } {
    const ls = peers.map((p) => ({ p, l: lease(p), mac: vtepMac(p, DEV) }));
    return {
      routes: ls.map(({ l }) => `${l.ipv6Subnet} via ${l.ipv6Subnet!.split('/')[0]} onlink`).sort(),
      neigh: ls.map(({ l, mac }) => `${l.ipv6Subnet!.split('/')[0]} ${mac}`).sort(),
      fdb: ls.map(({ p, mac }) => `${mac} ${p.ip}`).sort(),
    };
  }

  async function expectPeers6(h: Host, peers: readonly Host[], ms = 15_000): Promise<void> {
    await waitFor(`host ${h.n} to hold exactly the IPv6 entries of hosts ${peers.map((p) => p.n).join(', ') || '(none)'}`,
      () => JSON.stringify(entries6(h)) === JSON.stringify(want6(peers)), ms)
      .catch((err: Error) => { throw new Error(`${err.message}\nhas: ${JSON.stringify(entries6(h))}\nwants: ${JSON.stringify(want6(peers))}\n${c.log(h)}`); });
  }

  before(async function () {
    skipUnless(this, fs.existsSync(path.join(DIST, 'berthd')) && fs.existsSync(path.join(DIST, 'overlay')), `no berthd or overlay in ${DIST}: run node scripts/build.mjs`);
    skipUnless(this, fs.existsSync(ETCD_BIN), `no ${ETCD_BIN}: install etcd-server (scripts/setup.sh)`);
    c = new Cluster('', { leaseTtl: '10s', resync: '1s' });
    hosts = [1, 2].map((n) => c.addHost(n));
    etcd = await startEtcd({ netns: hosts[0]!.ns.name, host: hosts[0]!.ip });
    c.store = `etcd:${new URL(etcd.url).host}`;
    for (const h of hosts) c.start(h, []);
    for (const h of hosts) {
      await waitFor(`host ${h.n} API`, () => fs.existsSync(path.join(h.runDir, 'berthd.sock'))).catch((err) => { throw new Error(`${err.message}\n${c.log(h)}`); });
    }
    const created = c.api(hosts[0]!, 'POST', '/v1/networks', { name: NET, network: CIDR, ipv6Network: CIDR6, vni: VNI });
    assert.equal(created.created, true, JSON.stringify(created));
    assert.deepEqual([created.config.IPv6Network, created.config.IPv6SubnetLen], [CIDR6, 64]);
    // Host 2 joins the stored network through its own API (the config comes from etcd).
    const joined = c.api(hosts[1]!, 'POST', '/v1/networks', { name: NET, network: CIDR, ipv6Network: CIDR6, vni: VNI });
    assert.deepEqual(joined.config, created.config);
    for (const h of hosts) await waitFor(`lease file of host ${h.n}`, () => c.leaseFile(h, NET)?.ipv6Subnet).catch((err) => { throw new Error(`${err.message}\n${c.log(h)}`); });
  });

  after(async () => {
    await c?.destroy();
    await etcd?.destroy();
  });

  it('leases each host a distinct IPv4 and IPv6 subnet, each under its own etcd key', () => {
    const [l1, l2] = hosts.map(lease) as [NodeLeaseFile, NodeLeaseFile];
    for (const l of [l1, l2]) {
      assert.equal(l.network, CIDR);
      assert.equal(l.ipv6Network, CIDR6);
      assert.match(l.subnet, /^10\.246\.\d+\.0\/24$/);
      assert.match(l.ipv6Subnet!, /^fd00:10:246:[0-9a-f]+::\/64$/);
    }
    assert.notEqual(l1.subnet, l2.subnet);
    assert.notEqual(l1.ipv6Subnet, l2.ipv6Subnet);
    // The keys as etcd itself has them (its v3 JSON gateway, asked from host 1's netns where it listens).
    const prefix = `/berth/overlay/${NET}/subnets/`;
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const rangeEnd = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const body = JSON.stringify({ key: b64(prefix), range_end: b64(rangeEnd), keys_only: true });
    const res = JSON.parse(execFileSync('ip', ['netns', 'exec', hosts[0]!.ns.name, 'curl', '-s', '-X', 'POST', `${etcd!.url}/v3/kv/range`, '-d', body], { encoding: 'utf8' }));
    const keys = (res.kvs as any[]).map((kv) => Buffer.from(kv.key, 'base64').toString()).sort();
    const key = (s: string) => `/berth/overlay/${NET}/subnets/${s.replace('/', '-')}`;
    assert.deepEqual(keys, [l1.subnet, l2.subnet, l1.ipv6Subnet!, l2.ipv6Subnet!].map(key).sort());
    const status = c.api(hosts[0]!, 'GET', '/v1/status').networks.find((n: any) => n.name === NET);
    assert.deepEqual([status.state, status.ipv6Network, status.ipv6Subnet], ['serving', CIDR6, l1.ipv6Subnet]);
    // The VTEP holds the /128 of its IPv6 subnet beside the /32 of its IPv4 one.
    const vtep = (ipJson(hosts[0]!.ns.name, 'addr', 'show', 'dev', DEV) as any[])[0].addr_info.filter((a: any) => a.scope === 'global').map((a: any) => `${a.local}/${a.prefixlen}`);
    assert.deepEqual(vtep.sort(), [`${l1.subnet.split('/')[0]}/32`, `${l1.ipv6Subnet!.split('/')[0]}/128`].sort());
  });

  it('programs an IPv6 route, a permanent IPv6 neighbour and one FDB entry per peer', async () => {
    await expectPeers6(hosts[0]!, [hosts[1]!]);
    await expectPeers6(hosts[1]!, [hosts[0]!]);
    // The IPv4 entries are still one each: the dual-stack peer shares its FDB entry.
    const v4 = (ipJson(hosts[0]!.ns.name, '-4', 'route', 'show', 'dev', DEV) as any[]).map((r) => r.dst);
    assert.deepEqual(v4, [lease(hosts[1]!).subnet]);
  });

  it('attaches containers with an address of each family; they ping each other across hosts over IPv6 and IPv4', async () => {
    for (const h of hosts) {
      const r = await attach(h);
      const l = lease(h);
      const gw4 = l.subnet.replace(/0\/24$/, '1');
      const gw6 = `${l.ipv6Subnet!.split('/')[0]}1`;
      assert.deepEqual((r.ips as any[]).map((i) => [i.address.includes(':') ? 6 : 4, i.gateway]).sort(), [[4, gw4], [6, gw6]]);
      assert.deepEqual((r.routes as any[]).map((x) => x.dst).sort(), ['0.0.0.0/0', '10.246.0.0/16', '::/0', CIDR6].sort());
    }
    const [a, b] = hosts as [Host, Host];
    for (const [from, to] of [[a, b], [b, a]] as const) {
      // One packet first, unjudged: a fresh IPv6 address may still be tentative (DAD) and the path's
      // neighbours unresolved, which holds the first packets for seconds and drops those queued behind.
      await ping(from.ctr, addr[to.n]!.v6, ['-6', '-c', '1', '-W', '5']);
      const r6 = await ping(from.ctr, addr[to.n]!.v6, ['-6', '-c', '3', '-W', '2']);
      assert.ok(r6.received >= 2, `IPv6: host ${from.n} container → host ${to.n} container ${addr[to.n]!.v6}:\n${r6.out}`);
      const r4 = await ping(from.ctr, addr[to.n]!.v4, ['-c', '2', '-W', '2']);
      assert.ok(r4.received >= 1, `IPv4: host ${from.n} container → host ${to.n} container ${addr[to.n]!.v4}:\n${r4.out}`);
    }
    const check = await plugin(a, 'CHECK', { prevResult: results[a.n] });
    assert.equal(check.code, 0, `CHECK: ${check.stdout} ${check.stderr}`);
  });

  it('masquerades IPv6 leaving the cluster through ip6tables, with the IPv6 cluster CIDR excluded', () => {
    const h = hosts[0]!;
    const save6 = natRules(h.ns, 6);
    const [chain] = cniChains(save6);
    assert.ok(chain, save6);
    const src = `${addr[h.n]!.v6}/128`;
    assert.match(save6, new RegExp(`-A POSTROUTING -s ${src} .*-j ${chain}`));
    assert.match(save6, new RegExp(`-A ${chain} -s ${src} -d ${CIDR6} .*-j ACCEPT`));
    assert.match(save6, new RegExp(`-A ${chain} -s ${src} -d ${lease(h).ipv6Subnet} .*-j ACCEPT`));
    assert.match(save6, new RegExp(`-A ${chain} ! -d ff00::/8 .*-j MASQUERADE`));
    assert.ok(save6.indexOf(`-d ${CIDR6}`) < save6.indexOf('-j MASQUERADE'), 'the IPv6 cluster CIDR is accepted before the masquerade');
    assert.doesNotMatch(save6, /10\.246\./, 'no IPv4 CIDR in the IPv6 table');
    // And the IPv4 one excludes the IPv4 cluster CIDR, as before.
    assert.match(natRules(h.ns, 4), new RegExp(`-d ${CIDR.replace(/\./g, '\\.')} .*-j ACCEPT`));
  });

  it('keeps both subnets and a running IPv6 ping across a SIGKILL and restart of berthd', async () => {
    const [a, b] = hosts as [Host, Host];
    const before = lease(b);
    // 5 pings a second for 8 s over IPv6, from host 1's container to host 2's.
    const pinging = ping(a.ctr, addr[b.n]!.v6, ['-6', '-i', '0.2', '-c', '40', '-W', '1']);
    await new Promise((r) => setTimeout(r, 1500));
    await c.kill(b);
    await new Promise((r) => setTimeout(r, 1000));
    c.start(b, [NET]);
    await waitFor(`the restarted berthd on host ${b.n} to serve`, () => serving(c, b, NET)).catch((err) => { throw new Error(`${err.message}\n${c.log(b)}`); });
    const r = await pinging;
    console.log(`      IPv6 ping across the restart: ${r.sent} sent, ${r.received} received`);
    assert.ok(r.sent - r.received <= 2, `lost ${r.sent - r.received} packets:\n${r.out}`);
    const after = lease(b);
    assert.deepEqual([after.subnet, after.ipv6Subnet], [before.subnet, before.ipv6Subnet], 'both leases reused by PublicIP');
    assert.equal(c.api(a, 'GET', `/v1/networks/${NET}/leases`).leases.length, 4, 'no third lease for host 2');
    await expectPeers6(a, [b]);
  });

  it('adds a joining host\'s IPv6 entries on the others, and removes them when it leaves', async () => {
    const h3 = c.addHost(3);
    c.start(h3, [NET]);
    await waitFor('host 3 lease file', () => c.leaseFile(h3, NET)?.ipv6Subnet).catch((err) => { throw new Error(`${err.message}\n${c.log(h3)}`); });
    const three = [...hosts, h3];
    assert.equal(new Set(three.map((h) => lease(h).ipv6Subnet)).size, 3, 'three distinct IPv6 subnets');
    for (const h of three) await expectPeers6(h, three.filter((o) => o !== h));
    const r = await c.berthd(h3, ['leave', '--network', NET]);
    assert.equal(r.code, 0, r.out);
    for (const h of hosts) await expectPeers6(h, hosts.filter((o) => o !== h), 10_000);
    assert.equal(c.leaseFile(h3, NET), undefined);
    assert.equal(c.api(hosts[0]!, 'GET', `/v1/networks/${NET}/leases`).leases.length, 4, 'two leases per remaining host');
    await c.kill(h3);
  });

  it('DEL and GC leave no veth, address lease, masquerade rule or stored config of either family', async () => {
    const [a, b] = hosts as [Host, Host];
    const gone = (h: Host) => {
      const veths = (ipJson(h.ns.name, 'link', 'show', 'type', 'veth') as any[]).map((l) => l.ifname).filter((n) => n !== 'eth0');
      assert.deepEqual(veths, [], `host ${h.n}: no container veth`);
      for (const f of [4, 6] as const) {
        assert.deepEqual(cniChains(natRules(h.ns, f)), [], `host ${h.n}: no IPv${f} masquerade chain`);
        assert.doesNotMatch(natRules(h.ns, f), /CNI-/, `host ${h.n}: no IPv${f} masquerade jump`);
      }
      assert.deepEqual(leases(dataDir(h), NET), [], `host ${h.n}: no host-local lease`);
      const scratch = path.join(dataDir(h), '.overlay-scratch');
      assert.deepEqual(fs.existsSync(scratch) ? fs.readdirSync(scratch) : [], [], `host ${h.n}: no stored delegate config`);
    };
    assert.equal(leases(dataDir(a), NET).length, 2, 'an IPv4 and an IPv6 address lease before DEL');
    const del = await plugin(a, 'DEL', { prevResult: results[a.n] });
    assert.equal(del.code, 0, `DEL: ${del.stdout} ${del.stderr}`);
    gone(a);
    assert.equal((await plugin(a, 'DEL')).code, 0, 'DEL again');
    // GC with no valid attachment collects host 2's container from everything the plugin keeps.
    const gc = await plugin(b, 'GC', { 'cni.dev/valid-attachments': [] });
    assert.equal(gc.code, 0, `GC: ${gc.stdout} ${gc.stderr}`);
    gone(b);
  });
});
