// The DNS routes of berthd's API over a DnsService on an empty berth root (no network with DNS, so
// nothing binds: the unit test needs no privileges and no address).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { handleApi } from '../../../../cmd/berthd/api';
import { Daemon } from '../../../../cmd/berthd/daemon';
import { DnsService } from '../../../../cmd/berthd/dns/dns-service';
import { createLogger } from '../../../../lib/log';
import { FakeDatapath, MemoryStore, fakeAcquire } from './fakes';

describe('berthd: DNS API', () => {
  let dir: string;
  let daemon: Daemon;
  let dns: DnsService;
  const log = createLogger({}, { BERTH_LOG_LEVEL: 'silent' });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-dns-unit-'));
    // No underlay: berthd serving DNS alone.
    daemon = new Daemon({
      store: new MemoryStore(), storeKind: 'file', datapath: new FakeDatapath(), acquire: fakeAcquire,
      stateDir: path.join(dir, 'state'), runDir: path.join(dir, 'run'), leaseTtlMs: 60_000, resyncMs: 50, log,
    });
    dns = new DnsService({ berthRoot: path.join(dir, 'root'), cniDir: path.join(dir, 'cni'), resolvConf: path.join(dir, 'resolv.conf') }, log);
  });
  afterEach(async () => {
    await dns.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('GET /v1/dns lists the resolvers; POST /v1/dns/sync reconciles and reports', async () => {
    assert.deepEqual(await handleApi(daemon, 'GET', '/v1/dns', '', dns), { status: 200, body: { listeners: [] } });
    assert.deepEqual(await handleApi(daemon, 'POST', '/v1/dns/sync', JSON.stringify({ berthRoot: path.join(dir, 'root') }), dns), { status: 200, body: { listeners: [], failures: {} } });
    assert.equal((await handleApi(daemon, 'GET', '/v1/dns/sync', '', dns)).status, 405);
  });
  it('refuses a sync for another berth root (409, naming both) and a body that is not JSON (400)', async () => {
    const r = await handleApi(daemon, 'POST', '/v1/dns/sync', JSON.stringify({ berthRoot: '/elsewhere' }), dns);
    assert.equal(r.status, 409);
    assert.match((r.body as { error: string }).error, new RegExp(`serves the DNS of berth root ${path.join(dir, 'root')}, not /elsewhere`));
    assert.equal((await handleApi(daemon, 'POST', '/v1/dns/sync', '{', dns)).status, 400);
  });
  it('without a DnsService the routes are 404; without an underlay an overlay network is refused, status says node null', async () => {
    assert.equal((await handleApi(daemon, 'GET', '/v1/dns', '')).status, 404);
    assert.equal(daemon.status().node, null);
    assert.throws(() => daemon.serve('ov'), /found no underlay/);
  });
});
