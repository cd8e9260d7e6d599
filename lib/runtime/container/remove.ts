/**
 * `berth rm`: after the runtime resources are released, the writable layer, the anonymous volumes
 * (with -v or --rm, as Docker) and the record itself go. Idempotent; a crash half-way leaves a record
 * the next `rm` finishes.
 */
import { promises as fs } from 'node:fs';
import { ANONYMOUS_LABEL } from '../storage/volume-store';
import { overlayLayout, removeWritableLayer } from '../storage/overlay-root';
import type { RuntimeDeps } from './deps';
import { releaseResources } from './teardown';
import { idmappedLowerOf } from './userns';
import type { ContainerConfig } from './types';

/**
 * Removes container `config` and everything it owns. `released`: the caller has just released the
 * runtime resources (the supervisor after the exit), so that walk is not repeated.
 */
export async function removeContainer(deps: RuntimeDeps, config: ContainerConfig, opts: { volumes: boolean; released?: boolean }): Promise<void> {
  if (opts.released !== true) await releaseResources(deps, config);
  const dir = deps.containers.containerDir(config.id);
  // rmdir, never rm -r: were the idmapped image still mounted there, this fails (EBUSY) instead of
  // deleting the image's files through it.
  if (config.userns !== undefined) await fs.rmdir(idmappedLowerOf(dir)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err; });
  await removeWritableLayer(overlayLayout(dir, ['/']));
  if (opts.volumes) {
    for (const m of config.mounts) {
      if (m.type !== 'volume' || m.name === undefined) continue;
      const info = await deps.volumes.inspect(m.name).catch(() => undefined);
      if (info !== undefined && ANONYMOUS_LABEL in (info.Labels ?? {})) await deps.volumes.remove(m.name, { force: true }).catch(() => {});
    }
  }
  // The name as it is now: a rename since `config` was read moved it.
  const current = await deps.containers.load(config.id).catch(() => undefined);
  await deps.containers.remove(config.id, current?.config.name ?? config.name);
}
