/**
 * Handing a container to a detached supervisor (`berth __supervise ID`): a copy of berth in its own
 * session that inherits the container's lock (fd 3) and answers on fd 4 with "ok" once the command
 * runs (or at once, when it takes over a planned restart), or with the start's error. It then keeps
 * the container through its restart policy, outliving the berth that spawned it.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { ContainerRecord, HeldLock, RuntimeDeps } from '../../../lib/runtime/container';
import { DaemonError } from '../cli/errors';
import { EXIT_BERTH_ERROR } from '../cli/exit-codes';
import { executableDir } from './executable-dir';

/**
 * Spawns the supervisor for `record` and waits for its word. `delayMs`: the record is "restarting"
 * and the supervisor starts it after this backoff. Our copy of the lock is released either way (the
 * supervisor's keeps it held).
 * @throws DaemonError with the start's message and exit status.
 */
export async function spawnSupervisor(deps: RuntimeDeps, record: ContainerRecord, lock: HeldLock, delayMs?: number): Promise<void> {
  const dir = deps.containers.containerDir(record.config.id);
  const supervisorLog = openSync(join(dir, 'supervisor.log'), 'a', 0o600);
  try {
    const args = [join(executableDir(), 'berth'), '__supervise', ...(delayMs === undefined ? [] : ['--delay-ms', String(delayMs)]), record.config.id];
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', supervisorLog, supervisorLog, lock.fd, 'pipe'],
      env: process.env,
    });
    const reply = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const sock = child.stdio[4] as Socket;
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.once('end', () => resolve(Buffer.concat(chunks).toString('utf8').trim()));
      child.once('error', reject);
    });
    child.unref();
    (child.stdio[4] as Socket).destroy();
    if (reply === 'ok') return;
    const failure = reply === '' ? { message: 'the supervisor exited before starting the container', exitCode: EXIT_BERTH_ERROR } : JSON.parse(reply) as { message: string; exitCode: number };
    throw new DaemonError(failure.message, { exitCode: failure.exitCode });
  } finally {
    closeSync(supervisorLog);
    lock.release();
  }
}
