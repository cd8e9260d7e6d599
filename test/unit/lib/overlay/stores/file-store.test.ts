import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LeaseSnapshot, Watch } from '../../../../../lib/overlay/store';
import { parseDocument } from '../../../../../lib/overlay/stores/file-document';
import { FileStore } from '../../../../../lib/overlay/stores/file-store';
import { StoreError } from '../../../../../lib/overlay/stores/store-error';
import type { LeaseEvent } from '../../../../../lib/overlay/types';
import { attrs, config } from '../fixtures';

const WORKER = path.join(__dirname, 'file-store-worker.ts');

/** Polls `cond` every 10 ms until it holds, failing after `ms`. */
async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A watch that records what it is told. */
async function record(store: FileStore, network: string, from: number) {
  const log = { events: [] as LeaseEvent[], revisions: [] as number[], resyncs: [] as LeaseSnapshot[], errors: [] as Error[] };
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

/** Spawns the worker (tsx) and resolves once it printed "ready". */
async function spawnWorker(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; lines: AsyncIterator<string> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`worker did not start: ${stderr}`);
  return { child, lines };
}

describe('lib/overlay/stores/file-store', () => {
  let dir: string;
  let file: string;
  const stores: FileStore[] = [];
  const open = (opts: Partial<ConstructorParameters<typeof FileStore>[0]> = {}) => {
    const s = new FileStore({ path: file, pollMs: 50, ...opts });
    stores.push(s);
    return s;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-overlay-store-'));
    file = path.join(dir, 'sub', 'overlay.json');
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts empty; keeps the first config stored', async () => {
    const s = open();
    assert.equal(await s.getConfig('blue'), undefined);
    assert.deepEqual(await s.listLeases('blue'), { leases: [], revision: 0 });
    assert.deepEqual(await s.putConfigIfAbsent('blue', config()), config());
    assert.deepEqual(await open().putConfigIfAbsent('blue', config('10.9.0.0/16')), config(), 'the earlier config wins');
    assert.deepEqual(await s.getConfig('blue'), config());
    assert.equal(await s.getConfig('red'), undefined);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('networks named like Object.prototype members (constructor, toString, hasOwnProperty) are networks like any other', async () => {
    const s = open();
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(await s.getConfig(name), undefined);
      assert.deepEqual(await s.putConfigIfAbsent(name, config()), config());
      assert.deepEqual(await open().getConfig(name), config(), `${name}: stored in the file`);
      assert.equal(await s.createLease(name, '10.244.1.0/24', attrs('192.0.2.1'), 60_000), true);
      assert.deepEqual((await s.listLeases(name)).leases.map((l) => l.subnet), ['10.244.1.0/24']);
    }
    assert.deepEqual([...(await s.listConfigs()).keys()].sort(), ['constructor', 'hasOwnProperty', 'toString']);
    assert.equal((Object as unknown as { config?: unknown }).config, undefined, 'Object itself was not written to');
  });

  it('listConfigs: every network that has a config, by name', async () => {
    const s = open();
    assert.deepEqual(await s.listConfigs(), new Map());
    await s.putConfigIfAbsent('blue', config());
    await s.createLease('red', '10.244.1.0/24', attrs('192.0.2.1'), 60_000); // leases but no config
    assert.deepEqual(await s.listConfigs(), new Map([['blue', config()]]));
  });

  it('creates if absent, renews only our own lease, deletes idempotently', async () => {
    const s = open();
    const before = Date.now();
    assert.equal(await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000), true);
    assert.equal(await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.2'), 60_000), false, 'taken');
    assert.equal(await s.createLease('red', '10.244.1.0/24', attrs('192.0.2.2'), 60_000), true, 'networks are separate');
    const list = await s.listLeases('blue');
    assert.equal(list.leases.length, 1);
    assert.deepEqual(list.leases[0]!.attrs, attrs('192.0.2.1'));
    assert.ok(list.leases[0]!.expiresAt! >= before + 60_000);
    assert.equal(list.revision, 2);

    assert.equal(await s.renewLease('blue', '10.244.1.0/24', attrs('192.0.2.2'), 60_000), false, 'not ours');
    assert.equal(await s.renewLease('blue', '10.244.9.0/24', attrs('192.0.2.1'), 60_000), false, 'absent');
    assert.equal(await s.renewLease('blue', '10.244.1.0/24', attrs('192.0.2.1', 0x77), 120_000), true);
    const renewed = (await s.listLeases('blue')).leases[0]!;
    assert.equal(renewed.attrs.BackendData.VtepMAC, '0a:00:00:00:00:77', 'attrs updated');
    assert.ok(renewed.expiresAt! >= before + 120_000);

    await s.deleteLease('blue', '10.244.1.0/24');
    await s.deleteLease('blue', '10.244.1.0/24');
    assert.deepEqual((await s.listLeases('blue')).leases, []);
  });

  it('a reservation (no expiresAt) never expires, and renewing it keeps it one', async () => {
    const s = open();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const doc = { revision: 1, compacted: 0, networks: { blue: { leases: { '10.244.5.0/24': { attrs: attrs('192.0.2.5') } } } }, events: [] };
    fs.writeFileSync(file, JSON.stringify(doc));
    assert.deepEqual((await s.listLeases('blue')).leases, [{ subnet: '10.244.5.0/24', attrs: attrs('192.0.2.5') }]);
    assert.equal(await s.renewLease('blue', '10.244.5.0/24', attrs('192.0.2.5', 0x66), 10), true);
    await sleep(30);
    assert.deepEqual((await s.listLeases('blue')).leases, [{ subnet: '10.244.5.0/24', attrs: attrs('192.0.2.5', 0x66) }]);
  });

  it('two FileStore instances racing for one subnet: exactly one wins each time', async () => {
    const a = open();
    const b = open();
    for (let i = 1; i <= 20; i++) {
      const subnet = `10.244.${i}.0/24`;
      const [x, y] = await Promise.all([a.createLease('blue', subnet, attrs('192.0.2.1'), 60_000), b.createLease('blue', subnet, attrs('192.0.2.2'), 60_000)]);
      assert.equal(Number(x) + Number(y), 1, `${subnet}: ${x} ${y}`);
    }
    assert.equal((await a.listLeases('blue')).leases.length, 20);
  });

  it('two processes racing for the same subnets: exactly one wins each', async function () {
    this.timeout(20_000);
    const subnets = Array.from({ length: 30 }, (_, i) => `10.244.${i + 1}.0/24`);
    const workers = await Promise.all([spawnWorker(['race', file, '192.0.2.1', ...subnets]), spawnWorker(['race', file, '192.0.2.2', ...subnets])]);
    for (const w of workers) w.child.stdin.write('go\n');
    const results = await Promise.all(workers.map(async (w) => JSON.parse((await w.lines.next()).value as string) as boolean[]));
    await Promise.all(workers.map((w) => new Promise((r) => (w.child.exitCode === null ? w.child.once('exit', r) : r(undefined)))));
    subnets.forEach((s, i) => assert.equal(Number(results[0]![i]) + Number(results[1]![i]), 1, s));
    const leases = (await open().listLeases('blue')).leases;
    assert.equal(leases.length, subnets.length);
    for (const l of leases) {
      const winner = results[0]![subnets.indexOf(l.subnet)] ? '192.0.2.1' : '192.0.2.2';
      assert.equal(l.attrs.PublicIP, winner, `${l.subnet} is held by the process that was told it won`);
    }
  });

  it('an expired lease is absent: not listed, and createLease succeeds over it', async () => {
    const s = open();
    assert.equal(await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 80), true);
    await sleep(120);
    assert.deepEqual((await s.listLeases('blue')).leases, []);
    assert.equal(await s.renewLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000), false, 'too late to renew');
    assert.equal(await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.2'), 60_000), true);
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    assert.deepEqual(
      doc.events.map((e) => `${e.type} ${e.lease.attrs.PublicIP}`),
      ['added 192.0.2.1', 'removed 192.0.2.1', 'added 192.0.2.2'],
    );
  });

  it('a watch delivers events in order, with the revision reached', async () => {
    const s = open();
    await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    const { revision } = await s.listLeases('blue');
    const { log } = await record(s, 'blue', revision);
    await s.createLease('blue', '10.244.2.0/24', attrs('192.0.2.2'), 60_000);
    await s.createLease('red', '10.244.3.0/24', attrs('192.0.2.3'), 60_000);
    await s.renewLease('blue', '10.244.2.0/24', attrs('192.0.2.2', 0x42), 60_000);
    await s.deleteLease('blue', '10.244.1.0/24');
    await waitFor(() => log.events.length >= 3, 3000, 'three events');
    assert.deepEqual(
      log.events.map((e) => `${e.type} ${e.lease.subnet} ${e.lease.attrs.BackendData.VtepMAC.slice(-2)}`),
      ['added 10.244.2.0/24 02', 'added 10.244.2.0/24 42', 'removed 10.244.1.0/24 01'],
    );
    assert.equal(log.revisions.at(-1), (await s.listLeases('blue')).revision);
    assert.deepEqual(log.resyncs, []);
    assert.deepEqual(log.errors, []);
  });

  it('a watch started from 0 replays the log', async () => {
    const s = open();
    await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    await s.deleteLease('blue', '10.244.1.0/24');
    const { log } = await record(s, 'blue', 0);
    await waitFor(() => log.events.length === 2);
    assert.deepEqual(log.events.map((e) => e.type), ['added', 'removed']);
  });

  it('expiry becomes one removed event, seen by every watcher of every store instance', async () => {
    const a = open();
    const b = open({ pollMs: 5000 }); // its expiry timer must do it alone
    await a.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    await a.createLease('blue', '10.244.2.0/24', attrs('192.0.2.2'), 300);
    const { revision } = await a.listLeases('blue');
    const wa = await record(a, 'blue', revision);
    const wb = await record(b, 'blue', revision);
    const t0 = Date.now();
    await waitFor(() => wa.log.events.length > 0 && wb.log.events.length > 0, 3000, 'removed events');
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
    await sleep(200);
    for (const w of [wa, wb]) {
      assert.deepEqual(w.log.events.map((e) => `${e.type} ${e.lease.subnet}`), ['removed 10.244.2.0/24']);
    }
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    assert.equal(doc.events.filter((e) => e.type === 'removed').length, 1, 'written once');
  });

  it('resyncs with a fresh listing when the log no longer reaches back', async () => {
    const s = open({ maxEvents: 3 });
    await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    const { revision } = await s.listLeases('blue');
    for (let i = 2; i <= 5; i++) await s.createLease('blue', `10.244.${i}.0/24`, attrs(`192.0.2.${i}`), 60_000);
    const { log } = await record(s, 'blue', revision);
    await waitFor(() => log.resyncs.length === 1, 3000, 'a resync');
    assert.deepEqual(log.resyncs[0]!.leases.map((l) => l.subnet), ['10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24', '10.244.4.0/24', '10.244.5.0/24']);
    assert.equal(log.resyncs[0]!.revision, 5);
    assert.equal(log.events.length, 0);
    // Caught up: later changes come as events again.
    await s.deleteLease('blue', '10.244.3.0/24');
    await waitFor(() => log.events.length === 1);
    assert.equal(log.events[0]!.type, 'removed');
    assert.equal(log.resyncs.length, 1);
  });

  it('a watch within the log does not resync', async () => {
    const s = open({ maxEvents: 3 });
    for (let i = 1; i <= 4; i++) await s.createLease('blue', `10.244.${i}.0/24`, attrs(`192.0.2.${i}`), 60_000);
    const { log } = await record(s, 'blue', 1); // the log holds revisions 2..4
    await waitFor(() => log.events.length === 3);
    assert.deepEqual(log.resyncs, []);
  });

  it('cancel stops deliveries; close cancels every watch', async () => {
    const s = open();
    const { log, watch } = await record(s, 'blue', 0);
    await watch.cancel();
    await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    await sleep(150);
    assert.deepEqual(log.events, []);
    const other = await record(s, 'blue', 0);
    await s.close();
    await s.createLease('blue', '10.244.2.0/24', attrs('192.0.2.1'), 60_000);
    await sleep(150);
    assert.deepEqual(other.log.events, []);
  });

  it('a throwing handler is reported through onError and the watch goes on', async () => {
    const s = open();
    const errors: Error[] = [];
    const seen: string[] = [];
    await s.watchLeases('blue', 0, {
      onEvents: (events) => {
        seen.push(...events.map((e) => e.lease.subnet));
        throw new Error('handler bug');
      },
      onResync: () => {},
      onError: (e) => errors.push(e),
    });
    await s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), 60_000);
    await waitFor(() => seen.length === 1);
    await s.createLease('blue', '10.244.2.0/24', attrs('192.0.2.1'), 60_000);
    await waitFor(() => seen.length === 2);
    assert.ok(errors.length >= 1 && errors[0]!.message === 'handler bug');
  });

  it('rejects bad input naming the field, and a corrupt file naming the path', async () => {
    const s = open();
    await assert.rejects(s.createLease('a/b', '10.244.1.0/24', attrs('192.0.2.1'), 1000), /overlay network name "a\/b" is invalid/);
    await assert.rejects(s.createLease('blue', '10.244.1.1/24', attrs('192.0.2.1'), 1000), /subnet "10.244.1.1\/24" has host bits set/);
    await assert.rejects(s.createLease('blue', 'x', attrs('192.0.2.1'), 1000), /subnet "x" is not a CIDR/);
    await assert.rejects(s.createLease('blue', '10.244.1.0/24', { ...attrs('192.0.2.1'), PublicIP: 'nope' }, 1000), /PublicIP: "nope"/);
    await assert.rejects(s.createLease('blue', '10.244.1.0/24', attrs('192.0.2.1'), -1), /ttlMs: -1/);
    assert.throws(() => new FileStore({ path: '' }), /file store path/);
    assert.throws(() => new FileStore({ path: file, pollMs: 0 }), /pollMs/);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"revision": 1, "networks"');
    await assert.rejects(s.listLeases('blue'), (err: Error) => err instanceof StoreError && err.message.includes(file) && /corrupt/.test(err.message));
  });

  it("the next write removes dead writers' temp files, of this version and of earlier ones, and nobody else's", async () => {
    const sub = path.dirname(file);
    fs.mkdirSync(sub);
    for (const name of ['.overlay.json.tmp-dead01', 'overlay.json.tmp-4242-1', '.other.json.tmp-dead02']) fs.writeFileSync(path.join(sub, name), '{');
    assert.equal(await open().createLease('blue', '10.250.9.0/24', attrs('192.0.2.1'), 60_000), true);
    assert.deepEqual(fs.readdirSync(sub).sort(), ['.other.json.tmp-dead02', 'overlay.json', 'overlay.json.lock']);
  });

  it('stays valid JSON while a writer is SIGKILLed over and over; the lock is never left stuck', async function () {
    this.timeout(60_000);
    const s = open();
    let reads = 0;
    let bad: string | undefined;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        try {
          parseDocument(fs.readFileSync(file, 'utf8'));
          reads += 1;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') bad = String(err);
        }
        await sleep(1);
      }
    })();
    try {
      for (let round = 0; round < 6; round++) {
        const { child } = await spawnWorker(['churn', file, '192.0.2.9']);
        await sleep(60 + Math.random() * 200);
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        // Our own writes still go through: the dead writer's lock died with it.
        assert.equal(await s.createLease('blue', `10.250.${round}.0/24`, attrs('192.0.2.1'), 60_000), true);
      }
    } finally {
      reading = false;
      await reader;
    }
    assert.equal(bad, undefined, bad);
    assert.ok(reads > 50, `only ${reads} reads`);
    const leftovers = fs.readdirSync(path.dirname(file)).filter((n) => n.includes('.tmp-'));
    assert.deepEqual(leftovers, [], 'temp files of killed writers are cleaned by the next writer');
  });
});
