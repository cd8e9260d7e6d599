import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secureJoin } from '../../../../../lib/runtime/storage/secure-join';

describe('lib/runtime/storage/secure-join', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-sj-'));
    mkdirSync(join(root, 'real/sub'), { recursive: true });
    symlinkSync('/etc', join(root, 'abs'));            // absolute: must stay inside root
    symlinkSync('../../..', join(root, 'real/up'));     // climbs above root
    symlinkSync('real', join(root, 'rel'));
    symlinkSync('loop2', join(root, 'loop1'));
    symlinkSync('loop1', join(root, 'loop2'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('joins plain paths lexically', () => {
    assert.equal(secureJoin(root, '/real/sub'), join(root, 'real/sub'));
    assert.equal(secureJoin(root, 'real/./sub/'), join(root, 'real/sub'));
  });
  it('resolves an absolute symlink against the root, never the host', () => {
    assert.equal(secureJoin(root, '/abs/passwd'), join(root, 'etc/passwd'));
  });
  it('keeps .. and climbing symlinks at the root', () => {
    assert.equal(secureJoin(root, '/../../etc'), join(root, 'etc'));
    assert.equal(secureJoin(root, '/real/up/x'), join(root, 'x'));
  });
  it('follows relative symlinks', () => {
    assert.equal(secureJoin(root, '/rel/sub'), join(root, 'real/sub'));
  });
  it('joins missing components lexically', () => {
    assert.equal(secureJoin(root, '/real/new/deeper'), join(root, 'real/new/deeper'));
  });
  it('refuses a symlink loop', () => {
    assert.throws(() => secureJoin(root, '/loop1/x'), /too many levels of symbolic links/);
  });
});
