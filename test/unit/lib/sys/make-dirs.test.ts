import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeDirs, makeDirsAsync } from '../../../../lib/sys/make-dirs';

// Node's own recursive mkdir never returns for the /proc cases (it spins at 100% CPU): before
// lib/sys/make-dirs these tests hung until mocha's timeout.
describe('lib/sys/make-dirs', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mkdirs-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, mk] of [['makeDirs', async (d: string, m?: number) => makeDirs(d, m)], ['makeDirsAsync', makeDirsAsync]] as const) {
    describe(name, () => {
      it('creates the missing parents and returns the first directory it created', async () => {
        assert.equal(await mk(path.join(dir, 'a/b/c'), 0o700), path.join(dir, 'a'));
        assert.ok(fs.statSync(path.join(dir, 'a/b/c')).isDirectory());
        assert.equal(fs.statSync(path.join(dir, 'a/b')).mode & 0o777, 0o700 & ~process.umask());
      });
      it('returns undefined for an existing directory, or a symlink to one', async () => {
        assert.equal(await mk(dir), undefined);
        fs.symlinkSync(dir, path.join(dir, 'link'));
        assert.equal(await mk(path.join(dir, 'link')), undefined);
      });
      it('ends with ENOENT under /proc (procfs answers mkdir with ENOENT under an existing parent)', async () => {
        await assert.rejects(mk('/proc/berth-no-such'), { code: 'ENOENT', path: '/proc/berth-no-such' });
        await assert.rejects(mk('/proc/berth-no-such/a/b'), { code: 'ENOENT', path: '/proc/berth-no-such' });
      });
      it('ENOTDIR for a regular file in the way, last component included (Node says EEXIST there)', async () => {
        fs.writeFileSync(path.join(dir, 'f'), '');
        await assert.rejects(mk(path.join(dir, 'f')), { code: 'ENOTDIR', message: `ENOTDIR: not a directory, mkdir '${path.join(dir, 'f')}'` });
        await assert.rejects(mk(path.join(dir, 'f/x/y')), { code: 'ENOTDIR' });
      });
      it('ENOENT for a dangling symlink in the way', async () => {
        fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'dangling'));
        await assert.rejects(mk(path.join(dir, 'dangling/x')), { code: 'ENOENT' });
      });
    });
  }
});
