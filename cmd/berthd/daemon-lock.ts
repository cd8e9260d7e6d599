import fs from 'node:fs';
import { join } from 'node:path';
import { tryExclusive, makeDirs } from '../../lib/sys';

/** Raised when another berthd holds the run directory: the second one must not start. */
export class DaemonRunningError extends Error {
  constructor(runDir: string) {
    super(`another berthd is running with run dir ${runDir} (${daemonLockPath(runDir)} is locked): stop it first, or give this one another --run-dir`);
    this.name = 'DaemonRunningError';
  }
}

/** A held daemon lock. */
export interface DaemonLock {
  /** Drops the lock (closing the descriptor; the file stays, it is only a lock). */
  release(): void;
}

/** `<runDir>/berthd.lock`. */
export function daemonLockPath(runDir: string): string {
  return join(runDir, 'berthd.lock');
}

/**
 * Takes an exclusive flock on `<runDir>/berthd.lock` for the daemon's lifetime, before the API socket
 * is touched: a second berthd would otherwise unlink the first one's live socket and take over its
 * networks. The kernel drops the lock when the process dies, however it dies, so a crash leaves
 * nothing to clean up.
 * @throws {DaemonRunningError} when another process holds it
 */
export function lockDaemon(runDir: string): DaemonLock {
  makeDirs(runDir, 0o755);
  const path = daemonLockPath(runDir);
  const fd = fs.openSync(path, 'a', 0o600);
  try {
    if (!tryExclusive(fd, path)) throw new DaemonRunningError(runDir);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      fs.closeSync(fd);
    },
  };
}
