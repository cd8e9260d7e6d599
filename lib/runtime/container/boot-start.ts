/**
 * Containers that come back with the host: Docker's daemon start. berth has no daemon that every
 * container depends on (each has its own supervisor), so "the host came back" is read from the
 * kernel's boot id: the first reconcile that sees a boot id other than the one recorded under the
 * berth root starts the stopped containers whose policy says so (`always`, even after a manual
 * stop; `unless-stopped` unless stopped by hand; `on-failure` as after any exit). Containers that
 * were running when the host went down are restarted by the reconcile's lost-container path.
 * A systemd unit that runs `berth __reconcile` at boot (contrib/systemd) makes it happen without
 * waiting for the first berth command.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurableSync } from '../../sys';
import type { RuntimeDeps } from './deps';
import { clearManualStop, isManuallyStopped } from './manual-stop';
import type { PlannedRestart } from './restart-loop';
import { NO_RESTART, shouldStartAtBoot } from './restart-policy';

const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

/** Where the berth root records the boot it last started containers for. */
export const lastBootPath = (deps: RuntimeDeps): string => join(deps.paths.root, 'last-boot-id');

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/**
 * True once per boot: the boot id differs from the one recorded, which is then recorded (before the
 * starts: a boot start that fails is not retried by every later command).
 */
export function firstSinceBoot(deps: RuntimeDeps): boolean {
  const now = read(BOOT_ID_PATH);
  if (now === '' || read(lastBootPath(deps)) === now) return false;
  try {
    // Durable: a power cut right after must not run this boot's starts twice.
    writeFileDurableSync(lastBootPath(deps), `${now}\n`, { mode: 0o600 });
  } catch {
    return false; // no berth root yet: nothing to start either
  }
  return true;
}

/**
 * Plans the boot start of exited container `id` (its lock held): a manual start in Docker's sense,
 * so the manual-stop mark goes and RestartCount starts again at 0.
 */
export async function planBootStart(deps: RuntimeDeps, id: string): Promise<PlannedRestart | undefined> {
  const rec = await deps.containers.load(id);
  if (rec === undefined || rec.state.status !== 'exited') return undefined;
  const dir = deps.containers.containerDir(id);
  const facts = { exitCode: rec.state.exitCode, restartCount: rec.state.restartCount ?? 0, manuallyStopped: isManuallyStopped(dir) };
  if (!shouldStartAtBoot(rec.config.restartPolicy ?? NO_RESTART, facts)) return undefined;
  clearManualStop(dir);
  const state = { ...rec.state, status: 'restarting' as const, restartCount: 0 };
  await deps.containers.saveState(id, state);
  return { record: { config: rec.config, state }, delayMs: 0 };
}
