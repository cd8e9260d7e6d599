/**
 * The fallback when the image cannot be idmapped (a kernel or filesystem without idmapped mounts,
 * or BERTH_USERNS_IDMAP=0): a copy of each of the image's layers with every owner shifted through
 * the maps, made once per layer and mapping and kept beside the layer
 * (`<images>/layers/<diff id>/userns/<key>/rootfs`), so removing the layer removes it too.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type UsernsMaps, idMapText, shiftOwners } from './userns';

/** Which copy a mapping gets: a digest of both maps as the kernel takes them. */
export function mappingKey(maps: UsernsMaps): string {
  return createHash('sha256').update(`${idMapText(maps.uidMap)}|${idMapText(maps.gidMap)}`).digest('hex').slice(0, 16);
}

/**
 * The remapped copy of `imageRootfs` for `maps`, made now if there is none. Built in a temp dir and
 * renamed into place, so a crash never leaves a half-made copy where a start would take it, and two
 * starts racing both end with one copy (the loser's is discarded).
 */
export function remappedRootfs(imageRootfs: string, maps: UsernsMaps): string {
  const base = join(dirname(imageRootfs), 'userns');
  const dir = join(base, mappingKey(maps));
  const rootfs = join(dir, 'rootfs');
  if (statSync(rootfs, { throwIfNoEntry: false }) !== undefined) return rootfs;
  mkdirSync(base, { recursive: true, mode: 0o711 });
  const temp = join(base, `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    mkdirSync(temp, { mode: 0o711 });
    const cp = spawnSync('cp', ['-a', '--', imageRootfs, join(temp, 'rootfs')], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`copying the image for the user namespace: ${cp.stderr.trim() || `cp exited ${cp.status}`}`);
    shiftOwners(join(temp, 'rootfs'), maps);
    try {
      renameSync(temp, dir);
    } catch (err) {
      // Another start put its copy there first: that one is as good.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return rootfs;
}
