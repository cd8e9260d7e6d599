import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANONYMOUS_LABEL, VolumeStore } from '../../../../../lib/runtime/storage/volume-store';

describe('lib/runtime/storage/volume-store', () => {
  let root: string;
  let inUse: Map<string, string[]>;
  let store: VolumeStore;
  const now = new Date('2026-01-02T03:04:05.678Z');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-volumes-'));
    inUse = new Map();
    store = new VolumeStore({ root, usedBy: (n) => inUse.get(n) ?? [], now: () => now });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a volume in the local driver layout and inspects it as Docker does', async () => {
    const info = await store.create('data1', { labels: { team: 'a' } });
    assert.deepEqual(info, {
      CreatedAt: '2026-01-02T03:04:05Z', Driver: 'local', Labels: { team: 'a' },
      Mountpoint: join(root, 'volumes/data1/_data'), Name: 'data1', Options: {}, Scope: 'local',
    });
    assert.ok(existsSync(join(root, 'volumes/data1/_data')));
    assert.deepEqual(await store.inspect('data1'), info);
  });

  it('is idempotent: a second create returns the first volume untouched', async () => {
    const first = await store.create('data1', { labels: { v: '1' } });
    const again = await new VolumeStore({ root, now: () => new Date() }).create('data1', { labels: { v: '2' } });
    assert.deepEqual(again, first);
  });

  it('names an anonymous volume with 64 hex digits and labels it anonymous', async () => {
    const info = await store.create();
    assert.match(info.Name, /^[0-9a-f]{64}$/);
    assert.deepEqual(info.Labels, { [ANONYMOUS_LABEL]: '' });
  });

  for (const name of ['..', '.hidden', 'a/b', 'x', '-dash', '../../etc', 'a b']) {
    it(`refuses the name '${name}'`, async () => {
      await assert.rejects(store.create(name), { name: 'VolumeError', kind: 'invalid', message: new RegExp(`^create ${name.replace(/[.]/g, '\\.')}: .* includes invalid characters for a local volume name`) });
    });
  }

  it('lists volumes sorted, skipping temp leftovers of a crash', async () => {
    await store.create('b-vol');
    await store.create('a.vol');
    mkdirSync(join(root, 'volumes/.tmp-c-123/_data'), { recursive: true });
    assert.deepEqual((await store.list()).map((v) => v.Name), ['a.vol', 'b-vol']);
    assert.deepEqual(await new VolumeStore({ root: join(root, 'absent') }).list(), []);
  });

  it('removes a volume, refuses one in use, and reports a missing one unless forced', async () => {
    await store.create('keep');
    await store.create('gone');
    inUse.set('keep', ['c1', 'c2']);
    await assert.rejects(store.remove('keep'), { kind: 'in-use', message: 'remove keep: volume is in use - [c1, c2]' });
    await store.remove('gone');
    assert.deepEqual(readdirSync(join(root, 'volumes')), ['keep']);
    await assert.rejects(store.remove('gone'), { kind: 'not-found', message: 'get gone: no such volume' });
    await store.remove('gone', { force: true });
    await assert.rejects(store.inspect('nope'), { message: 'get nope: no such volume' });
  });

  it('prunes unused anonymous volumes (all unused with all) and stale temp entries only', async () => {
    const anonUsed = await store.create();
    const anonFree = await store.create();
    await store.create('named');
    inUse.set(anonUsed.Name, ['c1']);
    const stale = join(root, 'volumes/.tmp-x-1');
    const fresh = join(root, 'volumes/.tmp-y-2');
    mkdirSync(stale);
    mkdirSync(fresh);
    utimesSync(stale, new Date('2020-01-01'), new Date('2020-01-01'));
    utimesSync(fresh, now, now);
    assert.deepEqual(await store.prune(), { VolumesDeleted: [anonFree.Name] });
    assert.ok(!existsSync(stale), 'a crash leftover is swept');
    assert.ok(existsSync(fresh), 'a create in flight is left alone');
    assert.deepEqual(await store.prune({ all: true }), { VolumesDeleted: ['named'] });
    assert.deepEqual((await store.list()).map((v) => v.Name), [anonUsed.Name]);
  });
});
