/**
 * The clean-up every berth command runs first: whatever a killed berth (or a killed supervisor) left
 * behind is released here. A running container whose lock nobody holds is looked after by no one: its
 * resources are released and it is recorded as exited (or removed, with --rm). A created container
 * that nobody is starting keeps its record and state; only resources a killed start left are released.
 * Then resources with no record at all (a netns, a cgroup, a CNI attachment) are removed.
 *
 * Every destructive step is decided per container at the moment it is taken, under that container's
 * lock: a container created by another berth while this one runs is never mistaken for an orphan.
 * And nothing is swept from a view that could not be read: only a directory that does not exist
 * lists as empty; any other failure to read the records or a listing is thrown, never taken for
 * "no containers" or "no leftovers".
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfList } from '../../cni/runtime';
import { createCgroupManager, detectCgroupLayout } from '../cgroups';
import { isNotFound } from '../errors';
import type { RuntimeDeps } from './deps';
import { type HeldLock, tryLock } from './lock';
import { BERTH_ROOT_CAPABILITY, cachedAttachment, deleteContainerNetns } from './network-attach';
import { cgroupPathOf, netnsDir } from './paths';
import { leftoverCopyMounts, unmountCopyMount } from './copy';
import { removeContainer } from './remove';
import { type PlannedRestart, planRestart, ranFor } from './restart-loop';
import { firstSinceBoot, planBootStart } from './boot-start';
import { killAll, releaseResources } from './teardown';
import type { ContainerRecord } from './types';

const ID = /^[0-9a-f]{64}$/;
/** Statuses that have a supervisor (a container between two runs of its restart policy too). */
const running = (rec: ContainerRecord) => rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'restarting';

/** Docker's exit code for a container whose end nobody saw: it was killed with its supervisor. */
const LOST_EXIT_CODE = 137;

/** What a reconcile did, for logs and tests. */
export interface ReconcileReport {
  readonly recovered: string[];
  readonly orphans: string[];
  /** Containers handed to a new supervisor by their restart policy. */
  readonly restarted: string[];
}

/**
 * Hands a container whose restart is planned (its record says "restarting") to a new supervisor,
 * passing `lock` on to it. The CLI spawns `berth __supervise`; without one, lost containers are
 * only recorded as exited.
 */
export type Restarter = (plan: PlannedRestart, lock: HeldLock) => Promise<void>;

/** Options of {@link reconcile}. */
export interface ReconcileOptions {
  readonly restarter?: Restarter;
}

/** The entries of `dir` matching `pattern` (container ids by default); none when `dir` does not exist. */
function listMatching(dir: string, pattern = ID): string[] {
  try {
    return readdirSync(dir).filter((n) => pattern.test(n));
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** The container ids with a cgroup under the parent, in any hierarchy (a partial create may leave one). */
function listCgroups(deps: RuntimeDeps): string[] {
  const layout = detectCgroupLayout();
  const bases = layout.mode === 'v2' ? [layout.unified] : [...new Set(Object.values(layout.v1))];
  const ids = new Set<string>();
  // A hierarchy without the parent has no container of ours.
  for (const base of bases) if (base !== undefined) for (const id of listMatching(join(base, deps.paths.cgroupParent))) ids.add(id);
  return [...ids];
}

function listNetns(deps: RuntimeDeps): string[] {
  return listMatching(netnsDir(deps.paths));
}

/**
 * The right to remove container `id`'s leftovers: its lock when it has a directory (undefined when
 * someone holds it: hands off), a no-op lock when its record is gone entirely.
 */
function claim(deps: RuntimeDeps, id: string): HeldLock | undefined {
  const dir = deps.containers.containerDir(id);
  if (!existsSync(dir)) return { fd: -1, release: () => {} };
  return tryLock(dir);
}

/** Whether a created container left anything a start makes: a netns, a cgroup, a cached attachment. */
async function holdsResources(deps: RuntimeDeps, rec: ContainerRecord): Promise<boolean> {
  const id = rec.config.id;
  if (existsSync(join(netnsDir(deps.paths), id)) || listCgroups(deps).includes(id)) return true;
  if (rec.config.network.kind !== 'network') return false;
  return (await cachedAttachment(deps, id, rec.config.network.name)) !== undefined;
}

/**
 * Releases a container nobody looks after; `lock` is held. A lost container whose restart policy
 * says so (as after any exit: 137, the count, a manual stop) is planned for a restart, which the
 * caller hands on.
 */
async function recover(deps: RuntimeDeps, rec: ContainerRecord): Promise<PlannedRestart | boolean> {
  if (running(rec)) {
    if (rec.config.autoRemove) {
      await removeContainer(deps, rec.config, { volumes: true });
      return true;
    }
    await releaseResources(deps, rec.config);
    // Between two runs the last exit code stands; a run nobody saw end was killed with its supervisor.
    const exitCode = rec.state.status === 'restarting' ? rec.state.exitCode : LOST_EXIT_CODE;
    await deps.containers.saveState(rec.config.id, {
      ...rec.state,
      status: 'exited',
      pid: 0,
      exitCode,
      finishedAt: new Date().toISOString(),
      error: 'the berth process supervising the container was killed',
    });
    return (await planRestart(deps, rec.config.id, exitCode, ranFor(rec.state.startedAt), 0)) ?? true;
  }
  if (rec.state.status !== 'created' || !(await holdsResources(deps, rec))) return false;
  // A start killed half-way: release what it made; the container stays "created", as Docker keeps
  // a container whose start failed.
  await releaseResources(deps, rec.config);
  if (rec.state.error === '') await deps.containers.saveState(rec.config.id, { ...rec.state, error: 'berth was killed while starting the container' });
  return true;
}

/**
 * Runs the clean-up. A step that fails on one container or leftover is retried by the next command;
 * a listing that cannot be read throws (before anything is swept from it).
 */
export async function reconcile(deps: RuntimeDeps, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const recovered: string[] = [];
  const orphans: string[] = [];
  const restarted: string[] = [];
  const records = await deps.containers.list();
  const handOn = async (plan: PlannedRestart, lock: HeldLock): Promise<void> => {
    if (opts.restarter === undefined) {
      await deps.containers.saveState(plan.record.config.id, { ...plan.record.state, status: 'exited' });
      return;
    }
    await opts.restarter(plan, lock);
    restarted.push(plan.record.config.id);
  };
  for (const rec of records) {
    if (!running(rec) && rec.state.status !== 'created') continue;
    const lock = tryLock(deps.containers.containerDir(rec.config.id));
    if (lock === undefined) continue;
    try {
      const outcome = await recover(deps, rec);
      if (outcome !== false) recovered.push(rec.config.id);
      if (typeof outcome === 'object') await handOn(outcome, lock);
    } catch {
      // retried by the next command
    } finally {
      lock.release();
    }
  }
  if (opts.restarter !== undefined && firstSinceBoot(deps)) {
    for (const rec of await deps.containers.list()) {
      const lock = rec.state.status === 'exited' ? tryLock(deps.containers.containerDir(rec.config.id)) : undefined;
      if (lock === undefined) continue;
      try {
        const plan = await planBootStart(deps, rec.config.id);
        if (plan !== undefined) await handOn(plan, lock);
      } catch {
        // the next boot tries again
      } finally {
        lock.release();
      }
    }
  }
  for (const id of await deps.containers.listIncomplete()) {
    const lock = tryLock(deps.containers.containerDir(id));
    if (lock === undefined) continue; // its creator is still writing it
    try {
      await deps.containers.removeIncomplete(id);
      orphans.push(`record ${id}`);
    } catch { /* next time */ } finally {
      lock.release();
    }
  }
  for (const staging of deps.containers.sweepStaging()) orphans.push(`staging ${staging}`);
  for (const name of await deps.containers.releaseOrphanNames()) orphans.push(`name ${name}`);

  // Leftovers of containers that no longer have a (live) record. A container with a directory is
  // only touched under its lock, so one that another berth is creating or running is left alone.
  const live = new Set(records.filter(running).map((r) => r.config.id));
  const sweep = async (what: string, id: string, fn: () => unknown): Promise<void> => {
    if (live.has(id)) {
      // A live record that nobody attends was recovered above; one that is attended keeps its things.
      return;
    }
    const lock = claim(deps, id);
    if (lock === undefined) return;
    try {
      const rec = existsSync(deps.containers.containerDir(id)) ? await deps.containers.load(id) : undefined;
      if (rec !== undefined && running(rec)) return; // became live meanwhile
      await fn();
      orphans.push(`${what} ${id}`);
    } catch { /* next time */ } finally {
      lock.release();
    }
  };
  for (const id of listNetns(deps)) await sweep('netns', id, () => deleteContainerNetns(deps, id));
  for (const id of leftoverCopyMounts(deps.containers.dir)) await sweep('copy mount', id, () => unmountCopyMount(deps.containers.containerDir(id)));
  for (const id of listCgroups(deps)) {
    await sweep('cgroup', id, async () => {
      const cg = createCgroupManager(cgroupPathOf(deps.paths, id));
      await killAll(cg);
      await cg.destroy();
    });
  }
  const cached = await deps.cni.listCachedAttachments();
  for (const att of cached) {
    // Only attachments berth made under this root: other runtimes share /var/lib/cni/results.
    // eth0 is the network a container was created on; eth1... were joined by `network connect`.
    if (att.capabilityArgs?.[BERTH_ROOT_CAPABILITY] !== deps.paths.root || !ID.test(att.containerId) || !/^eth\d+$/.test(att.ifName)) continue;
    await sweep(`attachment ${att.networkName}`, att.containerId, () =>
      deps.cni.delNetworkList(parseConfList(att.config), { containerId: att.containerId, netns: '', ifName: att.ifName, capabilityArgs: att.capabilityArgs }));
  }
  // A cache write killed between its temp file and the rename leaves the temp file behind.
  for (const [file, id] of listCacheTemps(deps)) {
    await sweep('cache temp file', id, () => rmSync(join(deps.paths.cniDir, 'results', file), { force: true }));
  }
  return { recovered, orphans, restarted };
}

/**
 * Cache temp files of berth-shaped ids: lib/sys/durable-file's `.<net>-<id>-<ifname>.tmp-<random>`,
 * and `.<net>-<id>-<ifname>.<random>.tmp` of versions before it.
 */
function listCacheTemps(deps: RuntimeDeps): [string, string][] {
  const temp = /^\..*-([0-9a-f]{64})-[^/]+\.(?:tmp-[0-9a-f]+|[0-9a-f]+\.tmp)$/;
  return listMatching(join(deps.paths.cniDir, 'results'), temp).map((f) => [f, temp.exec(f)![1]!]);
}
