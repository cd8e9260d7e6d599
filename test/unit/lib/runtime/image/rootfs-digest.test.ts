import assert from 'node:assert/strict';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestRootfs, measureRootfs } from '../../../../../lib/runtime/image/rootfs-digest';

describe('lib/runtime/image/rootfs-digest', () => {
  let base: string;
  beforeEach(() => (base = mkdtempSync(join(tmpdir(), 'berth-digest-'))));
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  function tree(name: string, opts: { content?: string; mode?: number; target?: string } = {}): string {
    const dir = join(base, name);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin/tool'), opts.content ?? 'binary');
    chmodSync(join(dir, 'bin/tool'), opts.mode ?? 0o755);
    linkSync(join(dir, 'bin/tool'), join(dir, 'bin/alias'));
    symlinkSync(opts.target ?? 'tool', join(dir, 'bin/link'));
    writeFileSync(join(dir, 'data'), 'x'.repeat(100));
    return dir;
  }

  it('is stable for equal content whatever the timestamps', async () => {
    const a = tree('a');
    const b = tree('b');
    utimesSync(join(b, 'data'), new Date(0), new Date(0));
    const da = await digestRootfs(a);
    assert.match(da.digest, /^[0-9a-f]{64}$/);
    assert.deepEqual(await digestRootfs(b), da);
  });

  it('changes with content, mode and link target', async () => {
    const base0 = (await digestRootfs(tree('a'))).digest;
    assert.notEqual((await digestRootfs(tree('b', { content: 'other!' }))).digest, base0);
    assert.notEqual((await digestRootfs(tree('c', { mode: 0o700 }))).digest, base0);
    assert.notEqual((await digestRootfs(tree('d', { target: '/bin/tool' }))).digest, base0);
  });

  it('counts a hardlinked file once and ignores symlinks and directories in the size', async () => {
    const dir = tree('a');
    assert.equal(await measureRootfs(dir), 'binary'.length + 100);
    assert.equal((await digestRootfs(dir)).size, 'binary'.length + 100);
  });

  it('reports a missing directory as not-found', async () => {
    await assert.rejects(digestRootfs(join(base, 'absent')), { name: 'ImageError', kind: 'not-found' });
  });
});
