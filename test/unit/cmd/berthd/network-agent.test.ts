import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { handleApi } from '../../../../cmd/berthd/api';
import { Daemon } from '../../../../cmd/berthd/daemon';
import type { AcquireLease } from '../../../../cmd/berthd/deps';
import { createLogger } from '../../../../lib/log';
import { acquireLease } from '../../../../lib/overlay/allocate';
import type { LeaseAttrs, OverlayConfig } from '../../../../lib/overlay/types';
import { FakeDatapath, MemoryStore, fakeAcquire } from './fakes';

const other = (n: number) => ({
  subnet: `10.244.${n}.0/24`, attrs: { PublicIP: `192.168.77.${n}`, BackendType: 'vxlan' as const, BackendData: { VNI: 1, VtepMAC: `02:00:00:00:00:0${n}` } },
});
const cfg = (vni: number): OverlayConfig => ({ Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: vni, Port: 4789 } });

async function until(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A MemoryStore whose createLease can be held at a gate (a slow store in the middle of a renewal). */
class GatedStore extends MemoryStore {
  gate: Promise<void> | undefined;
  creates = 0;
  override async createLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number) {
    this.creates++;
    await this.gate;
    return super.createLease(network, subnet, attrs, ttlMs);
  }
}

describe('berthd: network agent', () => {
  let dir: string;
  let store: GatedStore;
  let dp: FakeDatapath;
  let daemon: Daemon;
  const make = (opts: { acquire?: AcquireLease; leaseTtlMs?: number } = {}) => new Daemon({
    store, storeKind: 'file', datapath: dp, acquire: opts.acquire ?? fakeAcquire,
    underlay: { name: 'eth0', index: 2, mtu: 1500, publicIP: '192.168.77.1' },
    stateDir: path.join(dir, 'state'), runDir: path.join(dir, 'run'), leaseTtlMs: opts.leaseTtlMs ?? 60_000, resyncMs: 60_000,
    log: createLogger({}, { BERTH_LOG_LEVEL: 'silent' }),
  });
  const call = async (method: string, url: string, body?: unknown) => handleApi(daemon, method, url, body === undefined ? '' : JSON.stringify(body));
  const leaseFile = () => path.join(dir, 'run', 'overlay', 'ov.json');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-agent-'));
    store = new GatedStore();
    dp = new FakeDatapath();
    daemon = make();
  });
  afterEach(async () => {
    await daemon.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('VNIs (finding 1)', () => {
    it('the default VNI is the lowest no stored config uses, whichever node stored it', async () => {
      await store.putConfigIfAbsent('elsewhere', cfg(1)); // another node's network, not served here
      const r = await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
      assert.equal(r.status, 201);
      assert.equal((r.body as { config: OverlayConfig }).config.Backend.VNI, 2);
    });

    it('refuses to choose a default VNI while another network\'s config cannot be read (its VNI is unknown, not free)', async () => {
      await store.putConfigIfAbsent('elsewhere', cfg(1));
      store.configs.set('broken', { Network: '10.9.0.0/16' } as unknown as OverlayConfig); // no Backend.VNI to read
      const r = await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
      assert.equal(r.status, 409);
      assert.match((r.body as { error: string }).error, /^cannot choose a free vni: the stored config of network "broken" cannot be read; repair it or give a vni$/);
      assert.equal(store.configs.has('ov'), false, 'nothing stored');
      assert.equal((await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16', vni: 9 })).status, 201);
    });

    it('409 for an explicit vni another network holds; the same network asking again is fine', async () => {
      await store.putConfigIfAbsent('elsewhere', cfg(7));
      const r = await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16', vni: 7 });
      assert.equal(r.status, 409);
      assert.match((r.body as { error: string }).error, /vni 7 is already network "elsewhere"'s/);
      assert.equal(store.configs.has('ov'), false, 'nothing stored');
      assert.equal((await call('POST', '/v1/networks', { name: 'elsewhere', network: '10.9.0.0/16', vni: 7 })).status, 201);
    });

    it('two stored configs with one VNI: the second network is refused (state conflict), never given the device', async () => {
      await store.putConfigIfAbsent('a', cfg(5));
      await store.putConfigIfAbsent('b', cfg(5));
      await daemon.serve('a').ready();
      daemon.serve('b');
      await until(() => daemon.status().networks.find((n) => n.name === 'b')?.state === 'conflict');
      const b = daemon.status().networks.find((n) => n.name === 'b')!;
      assert.match(b.error!, /vni 5 is network "a"'s/);
      assert.equal(b.subnet, undefined);
      assert.equal(dp.ensures, 1, 'only a ensured berth.5');
      const r = await call('POST', '/v1/networks', { name: 'b', network: '10.244.0.0/16' });
      assert.equal(r.status, 409);
    });
  });

  describe('the VXLAN device (finding 3)', () => {
    it('a device deleted by hand is recreated (new index) and programmed again', async () => {
      store.put('ov', other(5));
      await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16', vni: 3 });
      await until(() => dp.programmed.get('berth.3')?.length === 1);
      const before = dp.devices.get('berth.3')!.index;
      dp.devices.delete('berth.3');
      dp.programmed.delete('berth.3');
      store.put('ov', other(6));
      await until(() => dp.programmed.get('berth.3')?.length === 2);
      assert.notEqual(dp.devices.get('berth.3')!.index, before);
      assert.equal(daemon.status().networks[0]!.device, 'berth.3');
    });

    it('a reconcile that keeps failing is retried with a backoff, not in a spin', async () => {
      await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
      await until(() => dp.reconciles > 0);
      dp.failWith = new Error('EBUSY');
      const start = dp.reconciles;
      store.put('ov', other(5));
      await new Promise((r) => setTimeout(r, 600));
      // 250 ms then 500 ms of backoff: three attempts at most in 600 ms (a spin makes thousands).
      assert.ok(dp.reconciles - start <= 3, `${dp.reconciles - start} reconciles in 600 ms`);
      assert.ok(dp.reconciles - start >= 2);
      dp.failWith = undefined;
      await until(() => dp.programmed.get('berth.1')?.length === 1, 5000);
    });
  });

  describe('leave and stop (finding 5)', () => {
    it('leave during a renewal that is re-creating the lease: no lease and no lease file survive', async () => {
      await daemon.stop();
      daemon = make({ leaseTtlMs: 1_500 }); // renews every 500 ms
      await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
      let open!: () => void;
      store.gate = new Promise((r) => { open = r; });
      store.leasesOf.get('ov')!.clear(); // the lease expired: the renewal will create it again
      const creates = store.creates;
      await until(() => store.creates > creates, 3000);
      const left = call('POST', '/v1/networks/ov/leave');
      await new Promise((r) => setTimeout(r, 50));
      open();
      assert.equal((await left).status, 200);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(store.leasesOf.get('ov')!.size, 0, 'the lease re-created by the renewal was deleted');
      assert.equal(fs.existsSync(leaseFile()), false, 'the lease file was not written back');
    });

    it('stop() waits for start-up in flight: nothing is written after it returns', async () => {
      await store.putConfigIfAbsent('ov', cfg(1));
      let open!: () => void;
      store.gate = new Promise((r) => { open = r; });
      daemon.serve('ov');
      await until(() => store.creates > 0);
      const stopped = daemon.stop();
      open();
      await stopped;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(fs.existsSync(leaseFile()), false);
    });
  });

  describe('our lease removed from the store (finding 4)', () => {
    it('is taken back at once, not at the next renewal an hour away', async () => {
      const r = await call('POST', '/v1/networks', { name: 'ov', network: '10.244.0.0/16' });
      assert.equal(r.status, 201);
      const subnet = daemon.status().networks[0]!.subnet!;
      await store.deleteLease('ov', subnet); // emits 'removed' to the watch
      await until(() => store.leasesOf.get('ov')!.has(subnet), 2000);
      assert.equal(store.leasesOf.get('ov')!.get(subnet)!.attrs.PublicIP, '192.168.77.1');
      assert.equal(daemon.status().networks[0]!.subnet, subnet);
    });
  });

  describe('the lease file (finding 12)', () => {
    it('a lease file with a non-string subnet is ignored with a warning; leasing goes on', async () => {
      fs.mkdirSync(path.join(dir, 'run', 'overlay'), { recursive: true });
      fs.writeFileSync(leaseFile(), JSON.stringify({ name: 'ov', subnet: 5 }));
      await daemon.stop();
      daemon = make({ acquire: acquireLease });
      await store.putConfigIfAbsent('ov', cfg(1));
      await daemon.serve('ov').ready();
      assert.equal(daemon.status().networks[0]!.state, 'serving');
      assert.equal(JSON.parse(fs.readFileSync(leaseFile(), 'utf8')).subnet, daemon.status().networks[0]!.subnet);
    });
  });
});
