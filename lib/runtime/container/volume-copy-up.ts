/**
 * Docker's copy-up: a new, empty volume mounted over a directory the image has content in starts
 * with a copy of that content (unless `volume-nocopy`), so `-v data:/etc/app` keeps the image's
 * defaults. Done on the host before the container starts, with `cp -a` (owners, modes, links kept).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { secureJoin } from '../storage/secure-join';
import type { MountSpec } from '../storage/mount-spec';
import { MNT_DETACH, MS_RDONLY, mount, umount2 } from '../../sys';

const isEmptyDir = (path: string): boolean => {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
};

/** Where the image's merged view is mounted (read-only) while volumes are filled from it. */
export const imageViewOf = (containerDir: string): string => join(containerDir, 'image-view');

/**
 * Copies the image's content at each volume's target into the volume when the volume is empty.
 * @param lowerdirs the image's layers, topmost first; several are seen merged through a read-only
 *   overlay mounted at imageViewOf(containerDir) for the copy.
 * @param volumePath host path of a volume's data.
 * @param afterCopy called with each volume's path once filled (a user namespace container shifts
 *   the copied owners to its mapped ids: userns.ts shiftOwners).
 */
export function copyUpVolumes(mounts: readonly MountSpec[], lowerdirs: readonly string[], containerDir: string, volumePath: (name: string) => string, afterCopy?: (dest: string) => void): void {
  const wanted = mounts.filter((m) => m.type === 'volume' && m.name !== undefined && !m.noCopy && isEmptyDir(volumePath(m.name)));
  if (wanted.length === 0) return;
  if (lowerdirs.length === 1) return copyFrom(wanted, realpathSync(lowerdirs[0]!), volumePath, afterCopy);
  const view = imageViewOf(containerDir);
  mkdirSync(view, { recursive: true, mode: 0o700 });
  mount('overlay', view, 'overlay', MS_RDONLY, `lowerdir=${lowerdirs.join(':')}`);
  try {
    copyFrom(wanted, view, volumePath, afterCopy);
  } finally {
    unmountImageView(containerDir);
  }
}

/** Detaches the image view if a crash left it mounted, and removes its mount point (idempotent). */
export function unmountImageView(containerDir: string): void {
  const view = imageViewOf(containerDir);
  try {
    umount2(view, MNT_DETACH);
  } catch {
    // not mounted (EINVAL) or absent (ENOENT)
  }
  try {
    rmdirSync(view);
  } catch {
    // absent
  }
}

function copyFrom(mounts: readonly MountSpec[], imageRootfs: string, volumePath: (name: string) => string, afterCopy?: (dest: string) => void): void {
  for (const m of mounts) {
    if (m.type !== 'volume' || m.name === undefined) continue;
    const dest = volumePath(m.name);
    // The image path is resolved inside the image: a symlink in it must not reach the host.
    const source = secureJoin(imageRootfs, m.target);
    if (!statSync(source, { throwIfNoEntry: false })?.isDirectory() || isEmptyDir(source) || !isEmptyDir(dest)) continue;
    const cp = spawnSync('cp', ['-a', '--', `${source}/.`, `${dest}/`], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`copying the image's ${m.target} into volume ${m.name}: ${cp.stderr.trim() || `cp exited ${cp.status}`}`);
    afterCopy?.(dest);
  }
}
