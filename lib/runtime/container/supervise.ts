/**
 * The supervisor's half of a container's life: wait for its exit (its output is already flowing into
 * the json log: start), release what it held and record how it ended.
 * Runs in `berth run` itself (attached) or in the detached `berth` process that `run -d` leaves
 * behind; either way that process holds the container's lock until the record is final.
 */
import { constants } from 'node:os';
import type { RuntimeDeps } from './deps';
import { removeContainer } from './remove';
import type { StartedContainer } from './start';
import { containerCgroup, releaseResources } from './teardown';
import type { ContainerRecord, ContainerState } from './types';

/** Docker's exit code for a process killed by `signal`: 128 + its number. */
export const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null): number =>
  signal !== null ? 128 + (constants.signals[signal] ?? 0) : code ?? 255;

/**
 * Waits for the container to exit, then releases its resources and records the exit (or removes
 * it with --rm). Returns the exit code (Docker's: 128+n for a signal).
 */
export async function superviseContainer(deps: RuntimeDeps, rec: ContainerRecord, started: StartedContainer): Promise<number> {
  const { config } = rec;
  const { code, signal } = await started.init.exit;
  await started.init.outputDone;
  const exitCode = exitCodeOf(code, signal);
  let oomKilled = false;
  try {
    oomKilled = (containerCgroup(deps, config.id).stats().memory.oomKill ?? 0) > 0;
  } catch {
    // no memory figures on this host
  }
  let error = '';
  try {
    await releaseResources(deps, config);
  } catch (err) {
    error = `clean-up after exit: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (config.autoRemove && error === '') {
    await removeContainer(deps, config, { volumes: true, released: true });
    return exitCode;
  }
  const state: ContainerState = { ...started.state, status: 'exited', pid: 0, exitCode, oomKilled, finishedAt: new Date().toISOString(), error };
  await deps.containers.saveState(config.id, state);
  return exitCode;
}
