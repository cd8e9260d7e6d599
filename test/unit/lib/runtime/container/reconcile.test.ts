import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeDeps, type RuntimeDeps } from '../../../../../lib/runtime/container/deps';
import { cachedAttachment } from '../../../../../lib/runtime/container/network-attach';
import { reconcile } from '../../../../../lib/runtime/container/reconcile';

describe('lib/runtime/container/reconcile', () => {
  let dir: string;
  let deps: RuntimeDeps;
  const id = 'c'.repeat(64);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-reconcile-'));
    // A cgroup parent of its own, which no hierarchy has: the sweep touches nothing of the machine's.
    deps = runtimeDeps({
      root: join(dir, 'state'), runDir: join(dir, 'run'), cniDir: join(dir, 'cni'),
      cgroupParent: `berth-unit-${process.pid}-absent`, cniPath: [], initPath: '/nonexistent',
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes only missing directories for empty', async () => {
    assert.deepEqual(await reconcile(deps), { recovered: [], orphans: [], restarted: [] });
  });

  for (const [what, path] of [
    ['the records', 'state/containers'],
    ['the names', 'state/names'],
    ['the netns directory', 'run/netns'],
    ['the result cache', 'cni/results'],
  ] as const) {
    it(`throws when ${what} cannot be listed, rather than sweeping from an empty view`, async () => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), 'not a directory');
      await assert.rejects(reconcile(deps), { code: 'ENOTDIR' });
    });
  }

  it('a cache file that is no cache entry reads as no attachment; a missing one too', async () => {
    assert.equal(await cachedAttachment(deps, id, 'mynet'), undefined);
    mkdirSync(join(dir, 'cni', 'results'), { recursive: true });
    writeFileSync(join(dir, 'cni', 'results', `mynet-${id}-eth0`), '{"torn');
    assert.equal(await cachedAttachment(deps, id, 'mynet'), undefined);
  });
});
