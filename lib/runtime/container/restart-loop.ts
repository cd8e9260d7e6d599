/**
 * The supervisor's restart loop (`--restart`): after each exit the policy decides; a restart waits
 * its backoff in status "restarting" (a `stop` meanwhile ends it), then starts the container again
 * in the same directory: the same writable layer, volumes, name and hostname, the network attached
 * anew through the same CNI chain. The supervisor holds the container's lock for the whole loop, so
 * no other berth mistakes a container between two runs for an abandoned one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RuntimeDeps } from './deps';
import { isManuallyStopped } from './manual-stop';
import { NO_RESTART, nextRestartDelay, shouldRestart } from './restart-policy';
import { type ContainerStdio, type StartedContainer, startContainer } from './start';
import { superviseContainer } from './supervise';
import type { ContainerRecord } from './types';

/** A restart decided: the record as saved ("restarting", RestartCount counted) and its delay. */
export interface PlannedRestart {
  readonly record: ContainerRecord;
  readonly delayMs: number;
}

/** How long the run that began at `startedAt` lasted. */
export const ranFor = (startedAt: string): number => Math.max(0, Date.now() - Date.parse(startedAt));

/**
 * Asks the policy after an exit that the supervisor has recorded; when it says restart, records
 * status "restarting" with RestartCount + 1 and returns the delay.
 */
export async function planRestart(deps: RuntimeDeps, id: string, exitCode: number, ranMs: number, previousDelayMs: number): Promise<PlannedRestart | undefined> {
  const rec = await deps.containers.load(id);
  if (rec === undefined || (rec.state.status !== 'exited' && rec.state.status !== 'running' && rec.state.status !== 'restarting')) return undefined;
  const restartCount = rec.state.restartCount ?? 0;
  const manuallyStopped = isManuallyStopped(deps.containers.containerDir(id));
  if (!shouldRestart(rec.config.restartPolicy ?? NO_RESTART, { exitCode, restartCount, manuallyStopped })) return undefined;
  const state = { ...rec.state, status: 'restarting' as const, pid: 0, exitCode, restartCount: restartCount + 1 };
  await deps.containers.saveState(id, state);
  return { record: { config: rec.config, state }, delayMs: nextRestartDelay(previousDelayMs, ranMs) };
}

/** Sleeps `ms` in short steps, waking early when a user stops the container; true when one did. */
async function sleepUnlessStopped(containerDir: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (isManuallyStopped(containerDir)) return true;
    const left = end - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(left, 50));
  }
}

/**
 * Waits the planned delay and starts the container again. Undefined when a stop came first or the
 * start failed; either way the record is left "exited" (with the start's error).
 */
export async function restartAfterDelay(deps: RuntimeDeps, plan: PlannedRestart, stdio: ContainerStdio): Promise<StartedContainer | undefined> {
  const { config, state } = plan.record;
  const dir = deps.containers.containerDir(config.id);
  const backToExited = async (error: string): Promise<undefined> => {
    const now = await deps.containers.load(config.id);
    await deps.containers.saveState(config.id, { ...(now?.state ?? state), status: 'exited', pid: 0, error });
    return undefined;
  };
  if (await sleepUnlessStopped(dir, plan.delayMs)) return backToExited('');
  // Re-read: a rename during the delay changed the config.
  const current = (await deps.containers.load(config.id)) ?? plan.record;
  try {
    return await startContainer(deps, { config: current.config, state: current.state }, stdio);
  } catch (err) {
    return backToExited(`restart failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Supervises a running container through every restart its policy asks for; resolves with the last
 * exit code once the container stays stopped. `first` is the run to supervise, or a restart already
 * planned (a supervisor taking a container over between two runs).
 */
export async function superviseWithRestarts(deps: RuntimeDeps, rec: ContainerRecord, first: StartedContainer | PlannedRestart, stdio: ContainerStdio): Promise<number> {
  let started: StartedContainer | undefined;
  let delayMs = 0;
  let exitCode = rec.state.exitCode;
  if ('init' in first) started = first;
  else {
    delayMs = first.delayMs;
    started = await restartAfterDelay(deps, first, stdio);
  }
  let current = rec;
  while (started !== undefined) {
    exitCode = await superviseContainer(deps, current, started);
    const plan = await planRestart(deps, current.config.id, exitCode, ranFor(started.state.startedAt), delayMs);
    if (plan === undefined) return exitCode;
    delayMs = plan.delayMs;
    current = plan.record;
    started = await restartAfterDelay(deps, plan, stdio);
  }
  return exitCode;
}
