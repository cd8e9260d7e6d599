import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDurableTempName, sweepTempFiles, writeFileDurable, writeFileDurableSync } from '../../../../lib/sys/durable-file';

describe('lib/sys/durable-file', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'berth-df-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [label, write] of [
    ['async', writeFileDurable],
    ['sync', async (...args: Parameters<typeof writeFileDurableSync>) => writeFileDurableSync(...args)],
  ] as const) {
    it(`${label}: replaces a file whole, with the mode asked for, and leaves no temp file`, async () => {
      const file = join(dir, 'doc.json');
      await write(file, 'one\n');
      await write(file, 'two\n', { mode: 0o644 });
      assert.equal(readFileSync(file, 'utf8'), 'two\n');
      assert.equal(statSync(file).mode & 0o777, 0o644 & ~process.umask());
      assert.deepEqual(readdirSync(dir), ['doc.json']);
    });
    it(`${label}: exclusive never replaces: EEXIST, the old content kept, no temp file`, async () => {
      const file = join(dir, 'net');
      await write(file, 'first', { exclusive: true });
      await assert.rejects(async () => write(file, 'second', { exclusive: true }), { code: 'EEXIST' });
      assert.equal(readFileSync(file, 'utf8'), 'first');
      assert.deepEqual(readdirSync(dir), ['net']);
    });
    it(`${label}: a missing directory fails with ENOENT and creates nothing`, async () => {
      await assert.rejects(async () => write(join(dir, 'no', 'file'), 'x'), { code: 'ENOENT' });
      assert.deepEqual(readdirSync(dir), []);
    });
  }
  it("sweeps only this file's temp files, which listings can tell from entries", async () => {
    const file = join(dir, 'doc.json');
    writeFileSync(join(dir, '.doc.json.tmp-dead01'), '{');
    writeFileSync(join(dir, '.other.json.tmp-dead02'), '{');
    writeFileSync(file, '{}');
    assert.equal(await sweepTempFiles(file), 1);
    assert.deepEqual(readdirSync(dir).sort(), ['.other.json.tmp-dead02', 'doc.json']);
    assert.equal(isDurableTempName('.other.json.tmp-dead02'), true);
    assert.equal(isDurableTempName('doc.json'), false);
    assert.equal(await sweepTempFiles(join(dir, 'gone', 'x')), 0);
  });
});
