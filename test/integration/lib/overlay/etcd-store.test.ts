// EtcdStore against a real etcd 3.4 (Debian's etcd-server), started per suite on loopback with a
// throwaway data dir. Root is not needed; this lives with the integration tests because it runs a server.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3, type KVClient } from 'etcd3';
import type { LeaseSnapshot, Watch } from '../../../../lib/overlay/store';
import { acquireLease } from '../../../../lib/overlay/allocate';
import { EtcdStore } from '../../../../lib/overlay/stores/etcd-store';
import { subnetKey } from '../../../../lib/overlay/stores/keys';
import type { LeaseAttrs, LeaseEvent } from '../../../../lib/overlay/types';
import { startEtcd, type TestEtcd } from '../../../helpers/etcd';

const attrs = (ip: string, mac = 1): LeaseAttrs => ({ PublicIP: ip, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: `0a:00:00:00:00:${mac.toString(16).padStart(2, '0')}` } });
const config = { Network: '10.244.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan' as const, VNI: 1, Port: 4789 } };

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function record(store: EtcdStore, network: string, from: number) {
  const log = { events: [] as LeaseEvent[], resyncs: [] as LeaseSnapshot[], errors: [] as Error[], revisions: [] as number[] };
  const watch: Watch = await store.watchLeases(network, from, {
    onEvents: (events, revision) => {
      log.events.push(...events);
      log.revisions.push(revision);
    },
    onResync: (s) => log.resyncs.push(s),
    onError: (e) => log.errors.push(e),
  });
  return { log, watch };
}

const show = (events: LeaseEvent[]) => events.map((e) => `${e.type} ${e.lease.subnet} ${e.lease.attrs.PublicIP}`);

describe('lib/overlay/stores/etcd-store (real etcd)', function () {
  this.timeout(60_000);
  let etcd: TestEtcd;
  let raw: Etcd3;
  const stores: EtcdStore[] = [];
  let n = 0;
  let network: string;
  const open = (prefix = '/test') => {
    const s = new EtcdStore({ hosts: etcd.url, prefix, dialTimeoutMs: 2000 });
    stores.push(s);
    return s;
  };

  before(async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.url });
  });
  after(async () => {
    raw?.close();
    await etcd?.destroy();
  });
  beforeEach(async () => {
    n += 1;
    network = `net${n}`;
    if (!etcd.running) await etcd.start();
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  it('stores the first config only, at <prefix>/<network>/config', async () => {
    const a = open();
    assert.equal(await a.getConfig(network), undefined);
    assert.deepEqual(await a.putConfigIfAbsent(network, config), config);
    assert.deepEqual(await open().putConfigIfAbsent(network, { ...config, Network: '10.9.0.0/16' }), config);
    assert.deepEqual(JSON.parse((await raw.get(`/test/${network}/config`).string())!), config);
  });

  it('listConfigs: every network with a config; one that is not JSON is listed as unreadable (undefined), not left out', async () => {
    const s = open('/cfgs');
    await s.putConfigIfAbsent('blue', config);
    await raw.put('/cfgs/torn/config').value('{"Network": "10.9');
    await raw.put('/cfgs/blue/subnets/10.244.1.0-24').value('{}');
    assert.deepEqual(await s.listConfigs(), new Map([['blue', config], ['torn', undefined]]));
    await raw.delete().prefix('/cfgs/');
  });

  it('createLease race: exactly one of two clients wins each subnet; the losers leave no etcd lease', async () => {
    const [a, b] = [open(), open()];
    const leasesBefore = (await raw.leaseClient.leaseLeases({})).leases.length;
    for (let i = 1; i <= 10; i++) {
      const subnet = `10.244.${i}.0/24`;
      const [x, y] = await Promise.all([a.createLease(network, subnet, attrs('192.0.2.1'), 30_000), b.createLease(network, subnet, attrs('192.0.2.2'), 30_000)]);
      assert.equal(Number(x) + Number(y), 1, `${subnet}: ${x} ${y}`);
    }
    const list = await a.listLeases(network);
    assert.equal(list.leases.length, 10);
    assert.ok(list.revision > 0);
    for (const l of list.leases) assert.ok(l.expiresAt! > Date.now() + 25_000 && l.expiresAt! <= Date.now() + 31_000, `${l.subnet} expires ${l.expiresAt! - Date.now()} ms from now`);
    assert.equal((await raw.leaseClient.leaseLeases({})).leases.length, leasesBefore + 10, 'one etcd lease per subnet: the failed creates revoked theirs');
    assert.equal(await raw.get(`/test/${network}/subnets/10.244.1.0-24`).string() !== null, true, 'the key layout');
  });

  it('renews only our own lease (new etcd lease, old one revoked); delete removes the key and its lease', async () => {
    const s = open();
    assert.equal(await s.createLease(network, '10.244.1.0/24', attrs('192.0.2.1'), 3000), true);
    const key = `/test/${network}/subnets/10.244.1.0-24`;
    const firstLease = (await raw.get(key).exec()).kvs[0]!.lease;
    assert.equal(await s.renewLease(network, '10.244.1.0/24', attrs('192.0.2.2'), 60_000), false, 'not ours');
    assert.equal(await s.renewLease(network, '10.244.2.0/24', attrs('192.0.2.1'), 60_000), false, 'absent');
    assert.equal(await s.renewLease(network, '10.244.1.0/24', attrs('192.0.2.1', 0x42), 60_000), true);
    const kv = (await raw.get(key).exec()).kvs[0]!;
    assert.notEqual(kv.lease, firstLease);
    assert.equal(JSON.parse(kv.value.toString()).BackendData.VtepMAC, '0a:00:00:00:00:42');
    assert.equal(Number((await raw.leaseClient.leaseTimeToLive({ ID: firstLease })).TTL), -1, 'old etcd lease revoked');
    assert.ok(Number((await raw.leaseClient.leaseTimeToLive({ ID: kv.lease })).TTL) > 50);
    await sleep(3500);
    assert.equal((await s.listLeases(network)).leases.length, 1, 'renewed beyond the first TTL');
    await s.deleteLease(network, '10.244.1.0/24');
    await s.deleteLease(network, '10.244.1.0/24');
    assert.equal(await raw.get(key).string(), null);
    assert.equal(Number((await raw.leaseClient.leaseTimeToLive({ ID: kv.lease })).TTL), -1, 'its etcd lease revoked');
  });

  it('a key without an etcd lease is a reservation: listed without expiry, renewed without a lease', async () => {
    const s = open();
    const key = `/test/${network}/subnets/10.244.5.0-24`;
    await raw.put(key).value(JSON.stringify(attrs('192.0.2.5')));
    assert.deepEqual((await s.listLeases(network)).leases, [{ subnet: '10.244.5.0/24', attrs: attrs('192.0.2.5') }]);
    assert.equal(await s.renewLease(network, '10.244.5.0/24', attrs('192.0.2.5', 0x66), 2000), true);
    const kv = (await raw.get(key).exec()).kvs[0]!;
    assert.equal(kv.lease, '0');
    assert.equal(JSON.parse(kv.value.toString()).BackendData.VtepMAC, '0a:00:00:00:00:66');
  });

  it('lists values that are not leases apart: a subnet key as unreadable (held), a key naming no subnet not at all', async () => {
    const s = open();
    await raw.put(`/test/${network}/subnets/10.244.6.0-24`).value('not json');
    await raw.put(`/test/${network}/subnets/10.244.8.0-24`).value(JSON.stringify({ PublicIP: 'nope' }));
    await raw.put(`/test/${network}/subnets/garbage`).value(JSON.stringify(attrs('192.0.2.6')));
    await s.createLease(network, '10.244.7.0/24', attrs('192.0.2.7'), 60_000);
    const list = await s.listLeases(network);
    assert.deepEqual(list.leases.map((l) => l.subnet), ['10.244.7.0/24']);
    assert.deepEqual(list.unreadable, [
      { subnet: '10.244.6.0/24', reason: `etcd key /test/${network}/subnets/10.244.6.0-24: the value is not JSON` },
      { subnet: '10.244.8.0/24', reason: `etcd key /test/${network}/subnets/10.244.8.0-24: PublicIP: "nope" is not an IPv4 address` },
    ]);
  });

  it('acquireLease never chooses a subnet whose key holds an unreadable value (many allocations, a small network)', async () => {
    const s = open();
    const small = { ...config, Network: '10.245.0.0/22' }; // three subnets: 10.245.1-3.0/24
    await s.putConfigIfAbsent(network, small);
    const garbage = subnetKey('/test', network, '10.245.2.0/24');
    await raw.put(garbage).value('{"PublicIP": "192.0.2.1", "Backend'); // torn JSON
    const told = new Set<string>();
    const chosen = new Map<string, number>();
    // Every create attempted, lost ones included: the garbage subnet must never even be tried (before,
    // it was chosen as free and only the create-if-absent failing on its key saved the day).
    const tried = new Set<string>();
    const create = s.createLease.bind(s);
    s.createLease = (n, subnet, a, ttl) => {
      tried.add(subnet);
      return create(n, subnet, a, ttl);
    };
    // Each round: a new node leases, then leaves, so the choice is made afresh among the free subnets.
    for (let i = 0; i < 40; i++) {
      const lease = await acquireLease(s, network, attrs(`192.0.2.${10 + i}`, i + 1), { ttlMs: 60_000, onUnreadable: (u) => told.add(u.subnet) });
      chosen.set(lease.subnet, (chosen.get(lease.subnet) ?? 0) + 1);
      await s.deleteLease(network, lease.subnet);
    }
    assert.deepEqual([...chosen.keys()].sort(), ['10.245.1.0/24', '10.245.3.0/24'], JSON.stringify([...chosen]));
    assert.deepEqual([...tried].sort(), ['10.245.1.0/24', '10.245.3.0/24']);
    assert.deepEqual([...told], ['10.245.2.0/24']);
    assert.equal((await raw.get(garbage).string()), '{"PublicIP": "192.0.2.1", "Backend', 'the unreadable key is left as it was');
    // Two live nodes fill the two readable subnets; a third finds the network full instead of the garbage key.
    await acquireLease(s, network, attrs('192.0.2.100', 0x70), { ttlMs: 60_000 });
    await acquireLease(s, network, attrs('192.0.2.101', 0x71), { ttlMs: 60_000 });
    await assert.rejects(acquireLease(s, network, attrs('192.0.2.102', 0x72), { ttlMs: 60_000 }), /no free \/24 subnet left in 10\.245\.0\.0\/22 \(2 leased, 1 held by unreadable keys\)/);
    await raw.delete().prefix(`/test/${network}/`);
  });

  it('TTL expiry (2 s) → a removed event carrying the lease', async () => {
    const s = open();
    await s.createLease(network, '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    const { revision } = await s.listLeases(network);
    const { log } = await record(s, network, revision);
    const t0 = Date.now();
    assert.equal(await s.createLease(network, '10.244.2.0/24', attrs('192.0.2.2'), 1000), true, 'ttl 1 s becomes etcd\'s minimum, 2 s');
    await waitFor(() => log.events.length >= 2, 10_000, 'added + removed');
    const took = Date.now() - t0;
    assert.deepEqual(show(log.events), ['added 10.244.2.0/24 192.0.2.2', 'removed 10.244.2.0/24 192.0.2.2']);
    assert.ok(took >= 1900, `removed after ${took} ms`);
    assert.ok(log.events[0]!.lease.expiresAt! <= t0 + 3000, 'added carries the expiry');
    assert.deepEqual(log.resyncs, []);
    assert.deepEqual((await s.listLeases(network)).leases.map((l) => l.subnet), ['10.244.1.0/24']);
  });

  it('a watch survives etcd stop/start and catches up on what changed while it was disconnected', async () => {
    const writer = open();
    const watcherStore = open();
    await writer.createLease(network, '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    const { revision } = await writer.listLeases(network);
    const { log } = await record(watcherStore, network, revision);
    await writer.createLease(network, '10.244.2.0/24', attrs('192.0.2.2'), 60_000);
    await waitFor(() => log.events.length === 1, 5000, 'the first event');

    await etcd.stop();
    await waitFor(() => log.errors.length > 0, 10_000, 'onError while etcd is down');
    await assert.rejects(writer.listLeases(network), /overlay store listLeases \(network "net\d+", \/test\/net\d+\/subnets\/\): etcd request failed/);
    await sleep(1500); // let the watch back off a few times
    await etcd.start();
    // Written at once: the watcher is (most likely) still waiting out its backoff, disconnected.
    await writer.createLease(network, '10.244.3.0/24', attrs('192.0.2.3'), 60_000);
    await writer.deleteLease(network, '10.244.1.0/24');
    await waitFor(() => log.events.length === 3, 15_000, 'the events written while disconnected');
    assert.deepEqual(show(log.events), ['added 10.244.2.0/24 192.0.2.2', 'added 10.244.3.0/24 192.0.2.3', 'removed 10.244.1.0/24 192.0.2.1']);
    assert.deepEqual(log.resyncs, [], 'resumed, no resync needed');
    assert.equal(log.revisions.at(-1), (await writer.listLeases(network)).revision);
  });

  it('a watch from a compacted revision resyncs with a fresh listing, then watches on', async () => {
    const s = open();
    const { revision: start } = await s.listLeases(network);
    for (let i = 1; i <= 3; i++) await s.createLease(network, `10.244.${i}.0/24`, attrs(`192.0.2.${i}`), 60_000);
    await s.deleteLease(network, '10.244.2.0/24');
    const { revision } = await s.listLeases(network);
    // Compaction has no builder in etcd3, and its KV client is not in the typings.
    await (raw as unknown as { kv: KVClient }).kv.compact({ revision, physical: true });
    const { log } = await record(s, network, start);
    await waitFor(() => log.resyncs.length === 1, 10_000, 'a resync');
    assert.deepEqual(log.resyncs[0]!.leases.map((l) => l.subnet), ['10.244.1.0/24', '10.244.3.0/24']);
    assert.ok(log.resyncs[0]!.revision >= revision);
    assert.equal(log.events.length, 0);
    await s.createLease(network, '10.244.9.0/24', attrs('192.0.2.9'), 60_000);
    await waitFor(() => log.events.length === 1, 5000, 'the event after the resync');
    assert.deepEqual(show(log.events), ['added 10.244.9.0/24 192.0.2.9']);
  });

  it('a watch from a revision the store has not reached (etcd recreated) resyncs instead of waiting forever', async () => {
    const s = open();
    await s.createLease(network, '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    const { revision } = await s.listLeases(network);
    const { log } = await record(s, network, revision + 1000);
    await waitFor(() => log.resyncs.length === 1, 10_000, 'a resync');
    assert.deepEqual(log.resyncs[0]!.leases.map((l) => l.subnet), ['10.244.1.0/24']);
    await s.createLease(network, '10.244.2.0/24', attrs('192.0.2.2'), 60_000);
    await waitFor(() => log.events.length === 1, 5000, 'the event after the resync');
    assert.deepEqual(show(log.events), ['added 10.244.2.0/24 192.0.2.2']);
  });

  it('an unreadable value written over a lease removes that lease for the watchers', async () => {
    const s = open();
    await s.createLease(network, '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    const { revision } = await s.listLeases(network);
    const { log } = await record(s, network, revision);
    await raw.put(subnetKey('/test', network, '10.244.1.0/24')).value('{"PublicIP": null}');
    await waitFor(() => log.events.length === 1, 5000, 'the removal');
    assert.deepEqual(show(log.events), ['removed 10.244.1.0/24 192.0.2.1']);
    assert.ok(log.errors.some((e) => /unreadable lease/.test(e.message)));
  });

  it('rejects bad input before talking to etcd', async () => {
    const s = open();
    await assert.rejects(s.createLease('a/b', '10.244.1.0/24', attrs('192.0.2.1'), 1000), /network name "a\/b"/);
    await assert.rejects(s.createLease(network, '10.244.1.0/33', attrs('192.0.2.1'), 1000), /subnet "10\.244\.1\.0\/33" is not a CIDR/);
    await assert.rejects(s.createLease(network, '10.244.1.0/24', attrs('192.0.2.1'), 0), /ttlMs: 0/);
    assert.throws(() => new EtcdStore({ hosts: [] }), /at least one etcd URL/);
    assert.throws(() => new EtcdStore({ hosts: '' }), /etcd hosts/);
  });
});
