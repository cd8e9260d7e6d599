import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUnattended, tryLock, waitUnattended } from '../../../../../lib/runtime/container/lock';

describe('lib/runtime/container/lock', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'berth-lock-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is exclusive until released', () => {
    const held = tryLock(dir);
    assert.ok(held);
    assert.equal(tryLock(dir), undefined);
    assert.equal(isUnattended(dir), false);
    held.release();
    assert.equal(isUnattended(dir), true);
  });
  it('stays held by a child that inherited the descriptor, and falls free when it is killed', async () => {
    const held = tryLock(dir)!;
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', held.fd] });
    await new Promise((r) => child.once('spawn', r));
    held.release();
    assert.equal(isUnattended(dir), false, 'the child holds the lock now');
    child.kill('SIGKILL');
    assert.equal(await waitUnattended(dir, 5000), true);
  });
  it('times out while held', async () => {
    const held = tryLock(dir)!;
    assert.equal(await waitUnattended(dir, 60), false);
    held.release();
  });
  it('reads a removed container as unattended', () => {
    rmSync(dir, { recursive: true });
    assert.equal(tryLock(dir), undefined);
  });
});
