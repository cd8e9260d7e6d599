/**
 * What a container holds while it runs, released after it stops: its processes, network
 * attachments and netns, and its cgroup. Every step is idempotent and runs even when an earlier one
 * failed, so the exit path, `rm -f`, and the clean-up after a crash all share this one function.
 * The container's mounts need no step: they live in its mount namespace and die with it (the one
 * host mount, a user namespace container's idmapped image, is detached once its init runs).
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCgroupManager } from '../cgroups';
import type { CgroupManager } from '../cgroups';
import { BestEffort } from '../../util';
import type { RuntimeDeps } from './deps';
import { detachConnected } from './connect';
import { deleteContainerNetns, detachNetwork, ownsNetns } from './network-attach';
import { cgroupPathOf, netnsDir } from './paths';
import type { ContainerConfig } from './types';
import { join } from 'node:path';
import { unmountIdmappedLayers } from './userns';
import { unmountImageView } from './volume-copy-up';

/** How long the last processes of a cgroup get to disappear after SIGKILL. */
const KILL_WAIT_MS = 10_000;

/** SIGKILLs everything in the cgroup and waits until it is empty (thawing it first if frozen). */
export async function killAll(cgroup: CgroupManager): Promise<void> {
  // A frozen task cannot act on SIGKILL until thawed.
  await cgroup.thaw().catch(() => {});
  const deadline = Date.now() + KILL_WAIT_MS;
  for (;;) {
    let pids: number[];
    try {
      pids = cgroup.pids();
    } catch {
      return; // no cgroup: nothing runs in it
    }
    if (pids.length === 0) return;
    for (const pid of pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(', ')} survived SIGKILL`);
    await sleep(20);
  }
}

/** The cgroup manager of a container. */
export const containerCgroup = (deps: RuntimeDeps, id: string): CgroupManager => createCgroupManager(cgroupPathOf(deps.paths, id));

/**
 * Releases the container's processes, networks, netns and cgroup. Errors are collected and thrown
 * together after every step had its turn.
 */
export async function releaseResources(deps: RuntimeDeps, config: ContainerConfig): Promise<void> {
  const steps = new BestEffort();
  const cgroup = containerCgroup(deps, config.id);
  await steps.attempt(() => killAll(cgroup));
  if (config.network.kind === 'network') {
    const name = config.network.name;
    const netns = join(netnsDir(deps.paths), config.id);
    // The primary network even when it was disconnected: DEL is idempotent, and a disconnect
    // killed half-way may have left it.
    await steps.attempt(() => detachNetwork(deps, config.id, name, netns));
    if (existsSync(deps.containers.containerDir(config.id))) await steps.attempt(() => detachConnected(deps, config.id, netns));
  }
  if (ownsNetns(config)) await steps.attempt(() => deleteContainerNetns(deps, config.id));
  await steps.attempt(() => cgroup.destroy());
  // Left mounted only by a crash between the mount and the init's start (userns.ts).
  if (config.userns !== undefined) await steps.attempt(() => unmountIdmappedLayers(deps.containers.containerDir(config.id)));
  // Left mounted only by a crash while volumes were filled from the image (volume-copy-up.ts).
  await steps.attempt(() => unmountImageView(deps.containers.containerDir(config.id)));
  steps.throwIfFailed((errors) => new AggregateError(errors, `releasing container ${config.id.slice(0, 12)}: ${errors.length} steps failed`));
}
