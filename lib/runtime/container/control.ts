/**
 * Signals and the freezer: `stop`, `kill`, `pause`, `unpause`. They act on the container's process
 * and cgroup; the supervisor notices the exit and records it, so these only wait for that to happen
 * (the lock falls free once the record is final).
 */
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RuntimeDeps } from './deps';
import { isUnattended, waitUnattended } from './lock';
import { markManuallyStopped } from './manual-stop';
import { processStartTime } from './start';
import { ContainerError } from './store';
import { containerCgroup } from './teardown';
import { type ContainerRecord, isLive } from './types';


/** Docker's signal names: "KILL", "SIGKILL" or a number. */
export function parseSignal(text: string): NodeJS.Signals {
  const upper = text.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as NodeJS.Signals;
  if (name in constants.signals) return name;
  const num = Number(text);
  const byNumber = Object.entries(constants.signals).find(([, n]) => n === num);
  if (Number.isInteger(num) && byNumber) return byNumber[0] as NodeJS.Signals;
  throw new ContainerError(`Invalid signal: ${text}`, 'invalid');
}

/** Sends `signal` to the container's process, after checking the PID still is that process. */
function signalProcess(rec: ContainerRecord, signal: NodeJS.Signals): void {
  const { pid, pidStartTime } = rec.state;
  if (pid <= 0 || (pidStartTime !== undefined && processStartTime(pid) !== pidStartTime)) return; // gone already
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * `berth kill`: refuses a container that is not running (Docker's message). Like Docker's, a kill
 * counts as a manual stop: the restart policy does not bring the container back.
 */
export async function killContainer(deps: RuntimeDeps, rec: ContainerRecord, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (rec.state.status === 'restarting') {
    // Nothing runs to signal; the supervisor sees the mark and stops restarting.
    markManuallyStopped(deps.containers.containerDir(rec.config.id));
    return;
  }
  if (!isLive(rec)) throw new ContainerError(`Cannot kill container: ${rec.config.name}: container ${rec.config.id} is not running`, 'conflict');
  markManuallyStopped(deps.containers.containerDir(rec.config.id));
  signalProcess(rec, signal);
  // A paused process only acts on the signal once thawed (SIGKILL included, in v1's freezer).
  if (rec.state.status === 'paused') await containerCgroup(deps, rec.config.id).thaw().catch(() => {});
}

/**
 * `berth stop`: marks the container manually stopped (no restart policy brings it back), SIGTERM,
 * then SIGKILL after `timeoutSec`; resolves once its supervisor is gone, the exit recorded. A
 * container between two runs of its restart policy stops restarting. A stopped container is a
 * no-op, as in Docker.
 */
export async function stopContainer(deps: RuntimeDeps, rec: ContainerRecord, timeoutSec = 10): Promise<void> {
  if (!isLive(rec) && rec.state.status !== 'restarting') return;
  const dir = deps.containers.containerDir(rec.config.id);
  markManuallyStopped(dir);
  for (;;) {
    if (isUnattended(dir)) return;
    const now = await deps.containers.load(rec.config.id);
    if (now === undefined) return;
    if (isLive(now)) {
      signalProcess(now, 'SIGTERM');
      if (now.state.status === 'paused') await containerCgroup(deps, rec.config.id).thaw().catch(() => {});
      if (await waitUnattended(dir, timeoutSec * 1000)) return;
      signalProcess(now, 'SIGKILL');
      if (!(await waitUnattended(dir, 30_000))) throw new ContainerError(`container ${rec.config.id.slice(0, 12)} did not exit after SIGKILL`, 'conflict');
      return;
    }
    // "restarting": the supervisor sees the mark within its next poll, or starts a run we stop above.
    await sleep(25);
  }
}

/**
 * Records a paused/running flip, re-reading the state first: the supervisor may have recorded the
 * exit while the freezer worked, and an "exited" must never be overwritten.
 */
async function recordFreezerState(deps: RuntimeDeps, id: string, from: 'running' | 'paused', to: 'running' | 'paused'): Promise<void> {
  const now = await deps.containers.load(id);
  if (now?.state.status === from) await deps.containers.saveState(id, { ...now.state, status: to });
}

/** `berth pause`: freezes every process of the container. */
export async function pauseContainer(deps: RuntimeDeps, rec: ContainerRecord): Promise<void> {
  if (rec.state.status === 'paused') throw new ContainerError(`Container ${rec.config.id} is already paused`, 'conflict');
  if (rec.state.status !== 'running') throw new ContainerError(`Container ${rec.config.id} is not running`, 'conflict');
  await containerCgroup(deps, rec.config.id).freeze();
  await recordFreezerState(deps, rec.config.id, 'running', 'paused');
}

/** `berth unpause`. */
export async function unpauseContainer(deps: RuntimeDeps, rec: ContainerRecord): Promise<void> {
  if (rec.state.status !== 'paused') throw new ContainerError(`Container ${rec.config.id} is not paused`, 'conflict');
  await containerCgroup(deps, rec.config.id).thaw();
  await recordFreezerState(deps, rec.config.id, 'paused', 'running');
}
