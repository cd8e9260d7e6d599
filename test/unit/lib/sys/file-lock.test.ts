import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LockTimeoutError, withFileLock } from '../../../../lib/sys/file-lock';

describe('lib/sys/file-lock', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-fl-'));
    lock = join(dir, 'lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serialises holders in one process (each call has its own open file description)', async () => {
    const order: string[] = [];
    const hold = (name: string) => withFileLock(lock, { timeoutMs: 5000 }, async () => {
      order.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${name}-`);
    });
    await Promise.all([hold('a'), hold('b')]);
    assert.ok(order.join(',') === 'a+,a-,b+,b-' || order.join(',') === 'b+,b-,a+,a-', order.join(','));
  });
  it('times out with the path and the timeout in the error', async () => {
    await withFileLock(lock, { timeoutMs: 5000 }, async () => {
      await assert.rejects(withFileLock(lock, { timeoutMs: 30 }, () => 1), (e: unknown) => e instanceof LockTimeoutError && e.path === lock && e.timeoutMs === 30);
    });
  });
  it('releases the lock when fn throws, and passes the error on', async () => {
    await assert.rejects(withFileLock(lock, { timeoutMs: 100 }, () => { throw new Error('boom'); }), /boom/);
    assert.equal(await withFileLock(lock, { timeoutMs: 100 }, () => 7), 7);
  });
});
