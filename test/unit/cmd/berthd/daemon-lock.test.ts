import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DaemonRunningError, daemonLockPath, lockDaemon } from '../../../../cmd/berthd/daemon-lock';

describe('berthd: the daemon lock (finding 10)', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-lock-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a second holder is refused with a message naming the run dir; after release it can take it', () => {
    const runDir = path.join(dir, 'run');
    const first = lockDaemon(runDir);
    assert.equal(fs.statSync(daemonLockPath(runDir)).mode & 0o777, 0o600);
    assert.throws(() => lockDaemon(runDir), (err: unknown) =>
      err instanceof DaemonRunningError && err.message.includes(`another berthd is running with run dir ${runDir}`));
    first.release();
    first.release();
    lockDaemon(runDir).release();
  });
});
