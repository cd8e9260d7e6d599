/**
 * Docker's copy-up: a new, empty volume mounted over a directory the image has content in starts
 * with a copy of that content (unless `volume-nocopy`), so `-v data:/etc/app` keeps the image's
 * defaults. Done on the host before the container starts, with `cp -a` (owners, modes, links kept).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { secureJoin } from '../storage/secure-join';
import type { MountSpec } from '../storage/mount-spec';

const isEmptyDir = (path: string): boolean => {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
};

/**
 * Copies the image's content at each volume's target into the volume when the volume is empty.
 * @param imageRootfs the image's rootfs (the overlay lower dir).
 * @param volumePath host path of a volume's data.
 * @param afterCopy called with each volume's path once filled (a user namespace container shifts
 *   the copied owners to its mapped ids: userns.ts shiftOwners).
 */
export function copyUpVolumes(mounts: readonly MountSpec[], imageRootfs: string, volumePath: (name: string) => string, afterCopy?: (dest: string) => void): void {
  for (const m of mounts) {
    if (m.type !== 'volume' || m.name === undefined || m.noCopy) continue;
    const dest = volumePath(m.name);
    // The image path is resolved inside the image: a symlink in it must not reach the host.
    const source = secureJoin(imageRootfs, m.target);
    if (!statSync(source, { throwIfNoEntry: false })?.isDirectory() || isEmptyDir(source) || !isEmptyDir(dest)) continue;
    const cp = spawnSync('cp', ['-a', '--', `${source}/.`, `${dest}/`], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`copying the image's ${m.target} into volume ${m.name}: ${cp.stderr.trim() || `cp exited ${cp.status}`}`);
    afterCopy?.(dest);
  }
}
