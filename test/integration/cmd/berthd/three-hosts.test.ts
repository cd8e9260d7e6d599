// berthd across three simulated hosts on the file store: cross-host container pings over the VXLAN
// overlay, exactly 2 neighbour / FDB / route entries per host, a stale FDB entry removed by the next
// reconcile, a SIGKILLed and restarted berthd keeping its VTEP MAC and lease without breaking a ping,
// and a host that leaves removed from the others within seconds.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ip } from '../../../helpers/netns';
import { Cluster, DIST, ping, waitFor, type Host } from './three-hosts-harness';
import { pingAllPairs, restartUnderPing } from './three-hosts-scenario';
import { skipUnless } from '../../../helpers/skip';

const NET = 'ov';
const VNI = 42;
const DEV = `berth.${VNI}`;

describe('berthd: three hosts on the file store', function () {
  this.timeout(120_000);
  let c: Cluster;
  let hosts: Host[];

  before(async function () {
    skipUnless(this, fs.existsSync(path.join(DIST, 'berthd')) && fs.existsSync(path.join(DIST, 'bridge')), `no berthd or bridge in ${DIST}: run node scripts/build.mjs`);
    c = new Cluster(`file:${path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'berthd-store-')), 'store.json')}`);
    hosts = [1, 2, 3].map((n) => c.addHost(n));
    // Hosts 2 and 3 wait for a config that host 1's API creates (what `berth network create -d overlay` does).
    c.start(hosts[1]!, [NET]);
    c.start(hosts[2]!, [NET]);
    c.start(hosts[0]!, []);
    await waitFor('host 1 API', () => fs.existsSync(path.join(hosts[0]!.runDir, 'berthd.sock')));
    const created = c.api(hosts[0]!, 'POST', '/v1/networks', { name: NET, network: '10.246.0.0/16', vni: VNI });
    assert.equal(created.created, true, JSON.stringify(created));
    assert.deepEqual(created.config, { Network: '10.246.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI, Port: 4789 } });
    for (const h of hosts) {
      const lease = await waitFor(`lease file of host ${h.n}`, () => c.leaseFile(h, NET)).catch((err) => { throw new Error(`${err.message}\n${c.log(h)}`); });
      assert.equal(lease.mtu, 1450);
      assert.equal(lease.network, '10.246.0.0/16');
      await c.attach(h, lease);
    }
  });

  after(async () => {
    const storeDir = c ? path.dirname(c.store.slice('file:'.length)) : undefined;
    await c?.destroy();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  });

  it('a second berthd on a host exits with a clear message and leaves the running one\'s socket alone', async () => {
    const h = hosts[0]!;
    const second = await Promise.race([
      c.berthd(h, ['run']),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the second berthd did not exit')), 15_000)),
    ]);
    assert.equal(second.code, 1, second.out);
    assert.match(second.out, /berthd: another berthd is running with run dir .*berthd\.lock is locked/);
    assert.ok(fs.existsSync(path.join(h.runDir, 'berthd.sock')));
    assert.equal(c.api(h, 'GET', '/v1/status').node.publicIP, h.ip, 'the first berthd still answers');
  });

  it('programs exactly one neighbour, FDB entry and route per other host', async () => {
    for (const h of hosts) {
      const e = await waitFor(`2 peers on host ${h.n}`, () => {
        const x = c.entries(h, DEV);
        return x.neigh.length === 2 && x.fdb.length === 2 && x.routes.length === 2 ? x : undefined;
      }).catch((err) => { throw new Error(`${err.message}: ${JSON.stringify(c.entries(h, DEV))}\n${c.log(h)}`); });
      const others = hosts.filter((o) => o !== h).map((o) => c.leaseFile(o, NET)!);
      assert.deepEqual(e.routes.map((r) => r.dst).sort(), others.map((l) => l.subnet).sort());
      assert.ok(e.routes.every((r) => r.flags.includes('onlink')));
      assert.deepEqual(e.fdb.map((f) => f.dst).sort(), hosts.filter((o) => o !== h).map((o) => o.ip).sort());
      assert.ok(e.neigh.every((n) => n.state.includes('PERMANENT')));
      const link = (require('../../../helpers/netns').ipJson(h.ns.name, 'link', 'show', DEV) as any[])[0];
      assert.equal(link.mtu, 1450);
      assert.equal(link.linkinfo.info_data.learning, false);
      assert.equal(link.linkinfo.info_data.port, 4789);
    }
  });

  it('carries container-to-container pings across every pair of hosts', async () => {
    await pingAllPairs(hosts);
  });

  it('reports status, leases and peers through the API', () => {
    const s = c.api(hosts[0]!, 'GET', '/v1/status');
    assert.equal(s.node.publicIP, '192.168.77.1');
    assert.equal(s.store.kind, 'file');
    assert.equal(s.networks[0].name, NET);
    assert.equal(s.networks[0].peers, 2);
    assert.equal(c.api(hosts[0]!, 'GET', `/v1/networks/${NET}/leases`).leases.length, 3);
    const p = c.api(hosts[0]!, 'GET', `/v1/networks/${NET}/peers`);
    assert.equal(p.fdb.length, 2);
    assert.equal(c.api(hosts[0]!, 'GET', '/v1/networks/nope/peers').error.includes('nope'), true);
    const mode = fs.statSync(path.join(hosts[0]!.runDir, 'berthd.sock')).mode & 0o777;
    assert.equal(mode, 0o600);
  });

  it('removes a stale FDB entry injected by hand at the next reconcile', async () => {
    const h = hosts[0]!;
    const t0 = Date.now();
    ip(h.ns.name, 'link', 'show', DEV);
    require('node:child_process').execFileSync('bridge', ['-n', h.ns.name, 'fdb', 'add', '02:11:22:33:44:55', 'dev', DEV, 'dst', '192.168.77.99', 'self', 'permanent']);
    await waitFor('the stale FDB entry to go', () => c.entries(h, DEV).fdb.every((f) => f.mac !== '02:11:22:33:44:55'), 10_000);
    console.log(`      stale FDB entry removed after ${Date.now() - t0} ms`);
    assert.equal(c.entries(h, DEV).fdb.length, 2);
  });

  it('keeps the VTEP MAC, the lease and a running ping across a SIGKILL and restart', async () => {
    await restartUnderPing(c, hosts[1]!, hosts[0]!, [hosts[0]!, hosts[2]!], NET, DEV);
  });

  it('removes a host that leaves from the others within seconds', async () => {
    const h = hosts[2]!;
    const t0 = Date.now();
    const r = await c.berthd(h, ['leave', '--network', NET]);
    assert.equal(r.code, 0, r.out);
    for (const o of [hosts[0]!, hosts[1]!]) {
      await waitFor(`host ${o.n} to drop host 3`, () => {
        const e = c.entries(o, DEV);
        return e.neigh.length === 1 && e.fdb.length === 1 && e.routes.length === 1;
      }, 10_000);
    }
    console.log(`      leave reached both other hosts in ${Date.now() - t0} ms`);
    assert.equal(c.leaseFile(h, NET), undefined);
    assert.throws(() => require('node:child_process').execFileSync('ip', ['-n', h.ns.name, 'link', 'show', DEV], { stdio: 'pipe' }), /does not exist/);
    const r2 = await ping(hosts[0]!.ctr, hosts[1]!.ctrIP!, ['-c', '1', '-W', '2']);
    assert.equal(r2.received, 1, r2.out);
  });
});
