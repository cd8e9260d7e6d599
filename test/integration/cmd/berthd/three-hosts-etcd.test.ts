// berthd across simulated hosts on a real etcd (Debian's /usr/bin/etcd 3.4), served from host 1's
// netns on its underlay address with a throwaway data dir: cross-host pings, exactly 2 entries per
// host, a leave removed from the others within seconds, a SIGKILL + restart keeping the VTEP MAC under
// a running ping, an etcd outage that the datapath rides out while a 4th host joins, which reaches
// every host once etcd is back, and a host that dies during an outage, whose lease expires after it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ETCD_BIN, startEtcd, type TestEtcd } from '../../../helpers/etcd';
import { Cluster, DIST, ping, waitFor, type Host } from './three-hosts-harness';
import { expectPeers, pingAllPairs, restartUnderPing, serving } from './three-hosts-scenario';
import { skipUnless } from '../../../helpers/skip';

const NET = 'ov';
const VNI = 43;
const DEV = `berth.${VNI}`;
const CIDR = '10.247.0.0/16';

describe('berthd: three hosts on etcd', function () {
  this.timeout(120_000);
  let c: Cluster;
  let etcd: TestEtcd | undefined;
  let hosts: Host[];

  before(async function () {
    skipUnless(this, fs.existsSync(path.join(DIST, 'berthd')) && fs.existsSync(path.join(DIST, 'bridge')), `no berthd or bridge in ${DIST}: run node scripts/build.mjs`);
    skipUnless(this, fs.existsSync(ETCD_BIN), `no ${ETCD_BIN}: install etcd-server (scripts/setup.sh)`);
    c = new Cluster('', { leaseTtl: '10s', resync: '1s' });
    hosts = [1, 2, 3].map((n) => c.addHost(n));
    etcd = await startEtcd({ netns: hosts[0]!.ns.name, host: hosts[0]!.ip });
    c.store = `etcd:${new URL(etcd.url).host}`;
    c.start(hosts[1]!, [NET]);
    c.start(hosts[2]!, [NET]);
    c.start(hosts[0]!, []);
    await waitFor('host 1 API', () => fs.existsSync(path.join(hosts[0]!.runDir, 'berthd.sock')));
    const created = c.api(hosts[0]!, 'POST', '/v1/networks', { name: NET, network: CIDR, vni: VNI });
    assert.equal(created.created, true, JSON.stringify(created));
    for (const h of hosts) {
      const lease = await waitFor(`lease file of host ${h.n}`, () => c.leaseFile(h, NET)).catch((err) => { throw new Error(`${err.message}\n${c.log(h)}`); });
      assert.equal(lease.mtu, 1450);
      assert.equal(lease.network, CIDR);
      await c.attach(h, lease);
    }
  });

  after(async () => {
    await c?.destroy();
    await etcd?.destroy();
  });

  it('programs exactly one neighbour, FDB entry and route per other host', async () => {
    for (const h of hosts) await expectPeers(c, h, hosts.filter((o) => o !== h), NET, DEV);
    const s = c.api(hosts[0]!, 'GET', '/v1/status');
    assert.equal(s.store.kind, 'etcd');
    assert.equal(s.store.state, 'ok');
    assert.equal(c.api(hosts[1]!, 'GET', `/v1/networks/${NET}/leases`).leases.length, 3);
  });

  it('carries container-to-container pings across every pair of hosts', async () => {
    await pingAllPairs(hosts);
  });

  it('keeps the VTEP MAC, the lease and a running ping across a SIGKILL and restart', async () => {
    await restartUnderPing(c, hosts[1]!, hosts[0]!, [hosts[0]!, hosts[2]!], NET, DEV);
    for (const h of hosts) await expectPeers(c, h, hosts.filter((o) => o !== h), NET, DEV);
  });

  it('removes a host that leaves from the others within seconds', async () => {
    const h = hosts[2]!;
    const t0 = Date.now();
    const r = await c.berthd(h, ['leave', '--network', NET]);
    assert.equal(r.code, 0, r.out);
    for (const o of [hosts[0]!, hosts[1]!]) await expectPeers(c, o, hosts.filter((x) => x !== o && x !== h), NET, DEV, 10_000);
    console.log(`      leave reached both other hosts in ${Date.now() - t0} ms`);
    assert.equal(c.leaseFile(h, NET), undefined);
    assert.throws(() => execFileSync('ip', ['-n', h.ns.name, 'link', 'show', DEV], { stdio: 'pipe' }), /does not exist/);
    await c.kill(h);
  });

  it('keeps pinging while etcd is down, and a host that joined meanwhile reaches everyone when it returns', async () => {
    const [h1, h2] = [hosts[0]!, hosts[1]!];
    await etcd!.stop();
    const down = Date.now();
    // 5 pings a second for 6 s: several reconcile periods (--resync 1s) with the store gone.
    const pinging = ping(h1.ctr, h2.ctrIP!, ['-i', '0.2', '-c', '30', '-W', '1']);
    await waitFor('host 1 to see the store unreachable', () => c.api(h1, 'GET', '/v1/status').store.state === 'unreachable', 10_000);
    const h4 = c.addHost(4);
    c.start(h4, [NET]);
    await waitFor('host 4 API', () => fs.existsSync(path.join(h4.runDir, 'berthd.sock')), 10_000)
      .catch((err) => { throw new Error(`${err.message}\n${c.log(h4)}`); });
    const r = await pinging;
    console.log(`      ping with etcd down for ${Date.now() - down} ms: ${r.sent} sent, ${r.received} received`);
    assert.ok(r.sent - r.received <= 1, `lost ${r.sent - r.received} packets:\n${r.out}`);
    // Nothing moved on the datapath, and host 4 could not lease a subnet.
    for (const h of [h1, h2]) await expectPeers(c, h, [h1, h2].filter((o) => o !== h), NET, DEV, 1000);
    assert.equal(c.leaseFile(h4, NET), undefined);
    assert.equal(serving(c, h4, NET), false);

    await etcd!.start();
    const up = Date.now();
    const lease = await waitFor('host 4 to lease a subnet', () => c.leaseFile(h4, NET), 30_000)
      .catch((err) => { throw new Error(`${err.message}\n${c.log(h4)}`); });
    await c.attach(h4, lease);
    const three = [h1, h2, h4];
    for (const h of three) await expectPeers(c, h, three.filter((o) => o !== h), NET, DEV, 30_000);
    console.log(`      host 4 reached every host ${Date.now() - up} ms after etcd returned`);
    assert.equal(c.api(h1, 'GET', '/v1/status').store.state, 'ok');
    await pingAllPairs(three);
  });

  it('drops a host that died while etcd was down once its lease expires after etcd returns', async () => {
    const [h1, h2, h4] = [hosts[0]!, hosts[1]!, c.hosts.find((h) => h.n === 4)!];
    await etcd!.stop();
    await c.kill(h2);
    await new Promise((r) => setTimeout(r, 2000));
    // The dead host stays on the datapath: nobody can know it is gone yet.
    for (const h of [h1, h4]) await expectPeers(c, h, [h1, h2, h4].filter((o) => o !== h), NET, DEV, 1000);
    await etcd!.start();
    const up = Date.now();
    // etcd renews every lease to its full TTL (10 s) when it comes back.
    for (const h of [h1, h4]) await expectPeers(c, h, [h1, h4].filter((o) => o !== h), NET, DEV, 30_000);
    console.log(`      the dead host's entries went ${Date.now() - up} ms after etcd returned (lease TTL 10 s)`);
    await pingAllPairs([h1, h4]);
  });
});
