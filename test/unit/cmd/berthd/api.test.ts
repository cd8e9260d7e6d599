import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { handleApi } from '../../../../cmd/berthd/api';
import { Daemon } from '../../../../cmd/berthd/daemon';
import { parseNetworkRequest } from '../../../../cmd/berthd/network-request';
import { renewDelay } from '../../../../cmd/berthd/lease-keeper';
import { createLogger } from '../../../../lib/log';
import { acquireLease } from '../../../../lib/overlay/allocate';
import { FakeDatapath, MemoryStore, fakeAcquire } from './fakes';

const other = (n: number) => ({
  subnet: `10.244.${n}.0/24`, attrs: { PublicIP: `192.168.77.${n}`, BackendType: 'vxlan' as const, BackendData: { VNI: 1, VtepMAC: `02:00:00:00:00:0${n}` } },
});

async function until(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('berthd: daemon and API', () => {
  let dir: string;
  let store: MemoryStore;
  let dp: FakeDatapath;
  let daemon: Daemon;
  const call = async (method: string, url: string, body?: unknown) => handleApi(daemon, method, url, body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-unit-'));
    store = new MemoryStore();
    dp = new FakeDatapath();
    daemon = new Daemon({
      store, storeKind: 'file', datapath: dp, acquire: fakeAcquire,
      underlay: { name: 'eth0', index: 2, mtu: 1500, publicIP: '192.168.77.1' },
      stateDir: path.join(dir, 'state'), runDir: path.join(dir, 'run'), leaseTtlMs: 60_000, resyncMs: 50,
      log: createLogger({}, { BERTH_LOG_LEVEL: 'silent' }),
    });
  });
  afterEach(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('POST /v1/networks stores the config, serves it, writes the lease file and programs the peers', async () => {
    store.put('ov', other(5));
    const r = await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16', vni: 9 });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body, { name: 'ov', config: { Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 9, Port: 4789 } }, created: true });
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'overlay', 'ov.json'), 'utf8'));
    assert.deepEqual({ ...file, expiresAt: typeof file.expiresAt }, {
      name: 'ov', network: '10.244.0.0/16', subnet: '10.244.1.0/24', mtu: 1450, vni: 9, bridge: 'berth-ov9', expiresAt: 'number',
    });
    assert.equal(dp.devices.get('berth.9')!.mtu, 1450);
    await until(() => dp.programmed.get('berth.9')?.length === 1);
    // A second node's lease arrives through the watch and is programmed; ours never is.
    store.put('ov', other(6));
    await until(() => dp.programmed.get('berth.9')?.length === 2);
    assert.ok(dp.programmed.get('berth.9')!.every((l) => l.attrs.PublicIP !== '192.168.77.1'));

    const again = await call('POST', '/v1/networks', { name: 'ov', network: '10.99.0.0/16' });
    assert.equal(again.status, 201);
    assert.equal((again.body as { created: boolean }).created, false);
    assert.equal((again.body as { config: { Network: string } }).config.Network, '10.244.0.0/16');
  });

  it('GET status, leases and peers; 404 for an unknown network or path; 405 for a wrong method', async () => {
    await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
    store.put('ov', other(5));
    await until(() => dp.programmed.get('berth.1')?.length === 1);
    const s = (await call('GET', '/v1/status')).body as any;
    assert.deepEqual(s.node, { publicIP: '192.168.77.1', iface: 'eth0', mtu: 1500 });
    assert.deepEqual(s.store, { kind: 'file', state: 'ok' });
    assert.equal(s.networks[0].subnet, '10.244.1.0/24');
    assert.equal(s.networks[0].peers, 1);
    assert.equal(s.networks[0].device, 'berth.1');
    assert.ok(s.networks[0].lastReconcile.at > 0);
    assert.equal(((await call('GET', '/v1/networks/ov/leases')).body as any).leases.length, 2);
    assert.equal(((await call('GET', '/v1/networks/ov/peers')).body as any).fdb[0].dst, '192.168.77.5');
    assert.equal((await call('GET', '/v1/networks/nope/leases')).status, 404);
    assert.equal((await call('GET', '/v1/nothing')).status, 404);
    assert.equal((await call('DELETE', '/v1/status')).status, 405);
  });

  it('400 with the field named for a bad request', async () => {
    assert.equal((await call('POST', '/v1/networks', '{oops')).status, 400);
    const r = await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.1/16' });
    assert.equal(r.status, 400);
    assert.match((r.body as any).error, /host bits/);
    assert.match(((await call('POST', '/v1/networks', { name: 'ov', network: '10.0.0.0/16', vni: 0 })).body as any).error, /vni 0/);
  });

  it('POST leave deletes the lease, the device and the lease file', async () => {
    await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
    const r = await call('POST', '/v1/networks/ov/leave');
    assert.deepEqual(r, { status: 200, body: { name: 'ov', left: true } });
    assert.equal(store.leasesOf.get('ov')!.size, 0);
    assert.equal(dp.devices.size, 0);
    assert.equal(fs.existsSync(path.join(dir, 'run', 'overlay', 'ov.json')), false);
    assert.equal((await call('GET', '/v1/networks/ov/leases')).status, 404);
  });

  it('waits for a config that is not there yet, and survives a store outage without touching the datapath', async () => {
    daemon.serve('late');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((daemon.status().networks[0] as any).state, 'waiting-config');
    await store.putConfigIfAbsent('late', { Network: '10.1.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 3, Port: 4789 } });
    await until(() => daemon.status().networks[0]!.state === 'serving', 5000);
    store.put('late', other(5));
    await until(() => dp.programmed.get('berth.3')?.length === 1);
    store.down = true;
    const before = dp.reconciles;
    await until(() => dp.reconciles > before + 2); // periodic reconciles go on
    assert.equal(dp.programmed.get('berth.3')!.length, 1);
    store.down = false;
  });

  it('reuses a lease by PublicIP and keeps the VTEP MAC across a restart', async () => {
    await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
    const mac = dp.devices.get('berth.1')!.mac;
    await daemon.stop();
    daemon = new Daemon({
      store, storeKind: 'file', datapath: dp, acquire: fakeAcquire, underlay: { name: 'eth0', index: 2, mtu: 1500, publicIP: '192.168.77.1' },
      stateDir: path.join(dir, 'state'), runDir: path.join(dir, 'run'), leaseTtlMs: 60_000, resyncMs: 50, log: createLogger({}, { BERTH_LOG_LEVEL: 'silent' }),
    });
    await daemon.serve('ov').ready();
    assert.equal(dp.devices.get('berth.1')!.mac, mac);
    assert.equal(daemon.status().networks[0]!.subnet, '10.244.1.0/24');
    assert.equal(store.leasesOf.get('ov')!.size, 1);
  });

  it('validates create requests and picks defaults', () => {
    assert.deepEqual(parseNetworkRequest({ name: 'a', network: '10.8.0.0/24' }, [1, 2]).config, { Network: '10.8.0.0/24', SubnetLen: 26, Backend: { Type: 'vxlan', VNI: 3, Port: 4789 } });
    assert.throws(() => parseNetworkRequest({ name: 'a', network: '10.8.0.0/16', extra: 1 }), /unknown field "extra"/);
    assert.throws(() => parseNetworkRequest({ name: 'a', network: '10.8.0.0/16', subnetLen: 16 }), /subnetLen 16/);
    assert.throws(() => parseNetworkRequest({ name: 'a', network: 'x' }), /network "x"/);
  });

  it('validates the dual-stack fields of a create request: ipv6Network canonical, ipv6SubnetLen defaulted as flannel', () => {
    const base = { name: 'a', network: '10.8.0.0/16' };
    assert.deepEqual(parseNetworkRequest({ ...base, ipv6Network: 'fd00:8::/48' }).config,
      { Network: '10.8.0.0/16', SubnetLen: 24, IPv6Network: 'fd00:8::/48', IPv6SubnetLen: 64, Backend: { Type: 'vxlan', VNI: 1, Port: 4789 } });
    assert.equal(parseNetworkRequest({ ...base, ipv6Network: 'fd00:8::/120' }).config.IPv6SubnetLen, 122);
    assert.equal(parseNetworkRequest({ ...base, ipv6Network: 'fd00:8::/48', ipv6SubnetLen: 56 }).config.IPv6SubnetLen, 56);
    assert.throws(() => parseNetworkRequest({ ...base, ipv6Network: '10.9.0.0/16' }), /ipv6Network "10\.9\.0\.0\/16": want an IPv6 CIDR/);
    assert.throws(() => parseNetworkRequest({ ...base, ipv6Network: 'fd00:8::1/48' }), /host bits are set \(the network is fd00:8::\/48\)/);
    assert.throws(() => parseNetworkRequest({ ...base, ipv6Network: 'FD00:8::/48' }), /write it as fd00:8::\/48/);
    assert.throws(() => parseNetworkRequest({ ...base, ipv6Network: 'fd00:8::/48', ipv6SubnetLen: 127 }), /ipv6SubnetLen 127: want 49\.\.126/);
    assert.throws(() => parseNetworkRequest({ ...base, ipv6SubnetLen: 64 }), /ipv6SubnetLen: given without ipv6Network/);
  });

  it('serves a dual-stack network: two leases (one per family), both VTEP addresses, a lease file with both, leave deletes both', async () => {
    daemon = new Daemon({
      store, storeKind: 'file', datapath: dp, acquire: acquireLease,
      underlay: { name: 'eth0', index: 2, mtu: 1500, publicIP: '192.168.77.1' },
      stateDir: path.join(dir, 'state'), runDir: path.join(dir, 'run'), leaseTtlMs: 60_000, resyncMs: 50,
      log: createLogger({}, { BERTH_LOG_LEVEL: 'silent' }),
    });
    const r = await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16', ipv6Network: 'fd00:10:244::/48' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const st = daemon.status().networks[0]!;
    assert.equal(st.state, 'serving');
    assert.match(st.subnet!, /^10\.244\.\d+\.0\/24$/);
    assert.match(st.ipv6Subnet!, /^fd00:10:244:[0-9a-f]+::\/64$/);
    assert.deepEqual(dp.devices.get('berth.1')!.subnets, [st.subnet, st.ipv6Subnet]);
    const mine = [...store.leasesOf.get('ov')!.values()];
    assert.deepEqual(mine.map((l) => l.subnet).sort(), [st.subnet, st.ipv6Subnet].sort());
    assert.ok(mine.every((l) => l.attrs.PublicIP === '192.168.77.1'), 'both leases publish our VTEP');
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'overlay', 'ov.json'), 'utf8'));
    assert.deepEqual([file.ipv6Network, file.ipv6Subnet, file.subnet], ['fd00:10:244::/48', st.ipv6Subnet, st.subnet]);
    // A peer's two leases are both handed to the datapath; our own are not.
    const peer = { PublicIP: '192.168.77.2', BackendType: 'vxlan' as const, BackendData: { VNI: 1, VtepMAC: '02:00:00:00:00:02' } };
    store.put('ov', { subnet: '10.244.200.0/24', attrs: peer });
    store.put('ov', { subnet: 'fd00:10:244:c8::/64', attrs: peer });
    await until(() => (dp.programmed.get('berth.1') ?? []).length === 2);
    assert.deepEqual(dp.programmed.get('berth.1')!.map((l) => l.subnet).sort(), ['10.244.200.0/24', 'fd00:10:244:c8::/64']);
    // Our IPv6 lease deleted from the store (by hand, an outage) is taken back at once, the same subnet.
    await store.deleteLease('ov', st.ipv6Subnet!);
    await until(() => store.leasesOf.get('ov')!.has(st.ipv6Subnet!));
    assert.equal((await call('POST', '/v1/networks/ov/leave')).status, 200);
    assert.deepEqual([...store.leasesOf.get('ov')!.keys()].sort(), ['10.244.200.0/24', 'fd00:10:244:c8::/64'], 'only the peer\'s leases are left');
    assert.equal(fs.existsSync(path.join(dir, 'run', 'overlay', 'ov.json')), false);
  });

  it('renews at a third of a short TTL and an hour before a long one', () => {
    assert.equal(renewDelay(6000), 2000);
    assert.equal(renewDelay(24 * 3_600_000), 23 * 3_600_000);
  });
});
