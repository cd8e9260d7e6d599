/**
 * The clean-up every berth command runs first: whatever a killed berth (or a killed supervisor) left
 * behind is released here. A container whose lock nobody holds is not looked after by anyone: its
 * resources are released and it is recorded as exited (or removed, with --rm). Then orphans with no
 * record at all (a netns, a cgroup, a CNI attachment from a crash between steps) are removed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfList } from '../../cni/runtime';
import { createCgroupManager, detectCgroupLayout } from '../cgroups';
import type { RuntimeDeps } from './deps';
import { tryLock } from './lock';
import { CONTAINER_IFNAME, deleteContainerNetns } from './network-attach';
import { cgroupPathOf, netnsDir } from './paths';
import { removeContainer } from './remove';
import { killAll, releaseResources } from './teardown';
import type { ContainerRecord } from './types';

const ID = /^[0-9a-f]{64}$/;
const live = (rec: ContainerRecord) => rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'created';

/** Docker's exit code for a container whose end nobody saw: it was killed with its supervisor. */
const LOST_EXIT_CODE = 137;

/** What a reconcile did, for logs and tests. */
export interface ReconcileReport {
  readonly recovered: string[];
  readonly orphans: string[];
}

/** Lists the child cgroups of the parent (in one hierarchy: they are made in all of them together). */
function listCgroups(deps: RuntimeDeps): string[] {
  const layout = detectCgroupLayout();
  const base = layout.mode === 'v2' ? layout.unified : layout.v1.pids ?? layout.v1.memory ?? layout.v1.cpu;
  if (base === undefined) return [];
  try {
    return readdirSync(join(base, deps.paths.cgroupParent)).filter((n) => ID.test(n));
  } catch {
    return [];
  }
}

/** Runs the clean-up; never throws (a step that fails is retried by the next command). */
export async function reconcile(deps: RuntimeDeps): Promise<ReconcileReport> {
  const recovered: string[] = [];
  const orphans: string[] = [];
  const records = await deps.containers.list().catch(() => [] as ContainerRecord[]);
  const attended = new Set<string>();
  for (const rec of records) {
    if (!live(rec)) continue;
    const lock = tryLock(deps.containers.containerDir(rec.config.id));
    if (lock === undefined) {
      attended.add(rec.config.id);
      continue;
    }
    try {
      recovered.push(rec.config.id);
      if (rec.config.autoRemove) {
        await removeContainer(deps, rec.config, { volumes: true });
        continue;
      }
      await releaseResources(deps, rec.config);
      const wasRunning = rec.state.status !== 'created';
      await deps.containers.saveState(rec.config.id, {
        ...rec.state,
        status: 'exited',
        pid: 0,
        exitCode: wasRunning ? LOST_EXIT_CODE : 128,
        finishedAt: new Date().toISOString(),
        error: wasRunning ? 'the berth process supervising the container was killed' : 'berth was killed while starting the container',
      });
    } catch {
      // retried by the next command
    } finally {
      lock.release();
    }
  }
  for (const id of await deps.containers.listIncomplete().catch(() => [] as string[])) {
    const lock = tryLock(deps.containers.containerDir(id));
    if (lock === undefined) continue; // its creator is still writing it
    try {
      await deps.containers.removeIncomplete(id);
      orphans.push(`record ${id}`);
    } catch { /* next time */ } finally {
      lock.release();
    }
  }
  for (const name of await deps.containers.releaseOrphanNames().catch(() => [] as string[])) orphans.push(`name ${name}`);

  // Only a container someone looks after may hold a netns, a cgroup or an attachment (a starting
  // one included: its creator took the lock before its record became visible).
  const running = attended;
  for (const id of listNetns(deps)) {
    if (running.has(id)) continue;
    try { deleteContainerNetns(deps, id); orphans.push(`netns ${id}`); } catch { /* next time */ }
  }
  for (const id of listCgroups(deps)) {
    if (running.has(id)) continue;
    try {
      const cg = createCgroupManager(cgroupPathOf(deps.paths, id));
      await killAll(cg);
      await cg.destroy();
      orphans.push(`cgroup ${id}`);
    } catch { /* next time */ }
  }
  const berthNetworks = new Set(deps.networks.list().map((n) => n.name));
  const cached = await deps.cni.listCachedAttachments().catch(() => []);
  for (const att of cached) {
    if (!berthNetworks.has(att.networkName) || !ID.test(att.containerId) || running.has(att.containerId) || att.ifName !== CONTAINER_IFNAME) continue;
    try {
      await deps.cni.delNetworkList(parseConfList(att.config), { containerId: att.containerId, netns: '', ifName: att.ifName });
      orphans.push(`attachment ${att.networkName}/${att.containerId}`);
    } catch { /* next time */ }
  }
  return { recovered, orphans };
}

function listNetns(deps: RuntimeDeps): string[] {
  try {
    return readdirSync(netnsDir(deps.paths)).filter((n) => ID.test(n));
  } catch {
    return [];
  }
}
