import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialState } from '../../../../../lib/runtime/container/create';
import { tryLock } from '../../../../../lib/runtime/container/lock';
import { ContainerError, ContainerStore } from '../../../../../lib/runtime/container/store';
import type { ContainerConfig } from '../../../../../lib/runtime/container/types';

const config = (id: string, name: string, created: string): ContainerConfig => ({
  id, name, image: 'busybox', imageId: 'f'.repeat(64), command: ['true'], env: [], workingDir: '/', hostname: id.slice(0, 12),
  network: { kind: 'none' }, mounts: [], resources: {}, autoRemove: false, created,
});

describe('lib/runtime/container/store', () => {
  let root: string;
  let store: ContainerStore;
  const a = 'a'.repeat(64);
  const b = 'ab'.repeat(32);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-cs-'));
    store = new ContainerStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates, lists newest first, and resolves by name, id and prefix', async () => {
    await store.create(config(a, 'one', '2026-01-01T00:00:00Z'), initialState());
    await store.create(config(b, 'two', '2026-01-02T00:00:00Z'), initialState());
    assert.deepEqual((await store.list()).map((r) => r.config.name), ['two', 'one']);
    assert.equal((await store.resolve('one')).config.id, a);
    assert.equal((await store.resolve(b)).config.name, 'two');
    assert.equal((await store.resolve('ab')).config.id, b);
    await assert.rejects(store.resolve('a'), /multiple IDs found with provided prefix: a/);
    await assert.rejects(store.resolve('nope'), (e: unknown) => e instanceof ContainerError && e.kind === 'not-found' && e.message === 'No such container: nope');
  });
  it("rename: the new name resolves, the old one is free, Docker's refusals", async () => {
    await store.create(config(a, 'one', '2026-01-01T00:00:00Z'), initialState());
    await store.create(config(b, 'two', '2026-01-02T00:00:00Z'), initialState());
    await store.rename(a, 'uno');
    assert.equal((await store.resolve('uno')).config.id, a);
    assert.equal((await store.load(a))?.config.name, 'uno');
    await assert.rejects(store.resolve('one'), /No such container: one/);
    const refused = (message: string) => (e: unknown) => e instanceof ContainerError && e.message === message;
    await assert.rejects(store.rename(a, 'two'), refused(`Conflict. The container name "/two" is already in use by container "${b}". You have to remove (or rename) that container to be able to reuse that name.`));
    await assert.rejects(store.rename(a, 'uno'), refused('Renaming a container with the same name as its current name'));
    await assert.rejects(store.rename(a, 'b@d'), refused('Invalid container name (b@d), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed'));
    await assert.rejects(store.rename(a, ''), refused('Neither old nor new names may be empty'));
    assert.equal((await store.load(a))?.config.name, 'uno', 'a refused rename changes nothing');
    await store.create(config('c'.repeat(64), 'one', '2026-01-03T00:00:00Z'), initialState());
  });
  it('writes config and state whole, 0600, leaving no temp file beside them', async () => {
    await store.create(config(a, 'one', '2026-01-01T00:00:00Z'), initialState());
    await store.saveState(a, { ...initialState(), status: 'exited' });
    const dir = store.containerDir(a);
    assert.deepEqual(readdirSync(dir).sort(), ['config.json', 'state.json']);
    assert.equal(statSync(join(dir, 'state.json')).mode & 0o777, 0o600);
    assert.equal((await store.load(a))?.state.status, 'exited');
  });
  it("refuses a taken name with Docker's message and keeps the first", async () => {
    await store.create(config(a, 'web', '2026-01-01T00:00:00Z'), initialState());
    await assert.rejects(store.create(config(b, 'web', '2026-01-01T00:00:00Z'), initialState()), /The container name "\/web" is already in use by container "a{64}"/);
    assert.equal((await store.list()).length, 1);
  });
  it('refuses invalid names and ids, which never become paths', async () => {
    await assert.rejects(store.create(config(a, '../x', '2026-01-01T00:00:00Z'), initialState()), /Invalid container name/);
    assert.throws(() => store.containerDir('../../etc'), /invalid container id/);
  });
  it('lets only one of two concurrent creates have a name', async () => {
    const results = await Promise.allSettled([
      store.create(config(a, 'race', '2026-01-01T00:00:00Z'), initialState()),
      store.create(config(b, 'race', '2026-01-01T00:00:00Z'), initialState()),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });
  it('calls the lock hook before any record is visible, and frees the name on remove', async () => {
    let seen: number | undefined;
    let visible: string[] | undefined;
    await store.create(config(a, 'one', '2026-01-01T00:00:00Z'), initialState(), (dir) => {
      seen = readdirSync(dir).length;
      visible = readdirSync(store.dir).filter((n) => /^[0-9a-f]{64}$/.test(n));
    });
    assert.equal(seen, 0);
    assert.deepEqual(visible, [], 'no directory named by the id exists before the record is whole');
    assert.deepEqual(store.sweepStaging(), []);
    await store.remove(a, 'one');
    assert.deepEqual(await store.list(), []);
    await store.create(config(b, 'one', '2026-01-01T00:00:00Z'), initialState());
  });
  it('skips a record whose JSON is missing (a crash between writes)', async () => {
    await store.create(config(a, 'one', '2026-01-01T00:00:00Z'), initialState());
    rmSync(join(store.containerDir(a), 'state.json'));
    assert.deepEqual(await store.list(), []);
  });
});

describe('lib/runtime/container/store crash leftovers', () => {
  let root: string;
  let store: ContainerStore;
  const a = 'c'.repeat(64);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-cs2-'));
    store = new ContainerStore(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists and removes a directory whose record was never written, with its name', async () => {
    await assert.rejects(store.create(config(a, 'half', '2026-01-01T00:00:00Z'), initialState(), () => { throw new Error('killed'); }));
    // A real crash leaves the directory; the failed create above cleaned up, so make one by hand.
    mkdirSync(store.containerDir(a), { recursive: true });
    writeFileSync(join(root, 'names', 'half'), a);
    assert.deepEqual(await store.listIncomplete(), [a]);
    await store.removeIncomplete(a);
    assert.deepEqual(await store.listIncomplete(), []);
    await store.create(config(a, 'half', '2026-01-01T00:00:00Z'), initialState());
  });
  it('frees an old name whose container has no directory, never a fresh one', async () => {
    mkdirSync(join(root, 'names'), { recursive: true });
    writeFileSync(join(root, 'names', 'fresh'), a);
    writeFileSync(join(root, 'names', 'stale'), a);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'names', 'stale'), old, old);
    assert.deepEqual(await store.releaseOrphanNames(), ['stale']);
    assert.deepEqual(readdirSync(join(root, 'names')), ['fresh']);
  });
  it("never sweeps a staging directory in the instant between the creator's mkdir and its lock", async () => {
    // The worst interleaving, made deterministic: another berth's reconcile sweeps exactly when the
    // staging directory exists and is not yet locked. Without the gate it took the directory for a
    // dead create's leftover and removed it under the creator (exit 125, "locked by another process").
    let swept: string[] | undefined;
    let held: ReturnType<typeof tryLock>;
    await store.create(config(a, 'inflight', '2026-01-01T00:00:00Z'), initialState(), (dir) => {
      swept = new ContainerStore(root).sweepStaging();
      held = tryLock(dir);
      assert.ok(held, 'the creator takes its lock');
    });
    try {
      assert.deepEqual(swept, [], 'the sweep stood back while a create held the gate');
      assert.equal((await store.load(a))?.config.name, 'inflight');
    } finally {
      held?.release();
    }
  });
  it("sweeps a dead create's staging directory and keeps one whose creator holds the lock", () => {
    mkdirSync(store.dir, { recursive: true });
    const dead = join(store.dir, `.new-${a}`);
    const live = join(store.dir, `.new-${'d'.repeat(64)}`);
    mkdirSync(dead);
    writeFileSync(join(dead, '.config.json.tmp-0'), '{');
    mkdirSync(live);
    const creator = tryLock(live);
    try {
      assert.deepEqual(store.sweepStaging(), [dead]);
      assert.deepEqual(readdirSync(store.dir).filter((n) => n.startsWith('.new-')), [`.new-${'d'.repeat(64)}`]);
    } finally {
      creator?.release();
    }
    assert.deepEqual(store.sweepStaging(), [live], 'once its creator is gone it goes too');
  });
});
