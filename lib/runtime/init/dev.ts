/**
 * The container's minimal /dev, as runc and crun build it: a small tmpfs with the standard character
 * devices made by mknod (or bound from the host's in a user namespace), a private devpts instance, shm,
 * mqueue and the usual symlinks.
 */
import { chmodSync, closeSync, mkdirSync, openSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, mknodChar, mount, makeDirs } from '../../sys';

/** MS_STRICTATIME (runc mounts /dev with it). */
const MS_STRICTATIME = 0x1000000;

/** crun's `needed_devs`: name, major, minor; all mode 0666. */
export const DEVICES: readonly (readonly [string, number, number])[] = [
  ['null', 1, 3], ['zero', 1, 5], ['full', 1, 7], ['tty', 5, 0], ['random', 1, 8], ['urandom', 1, 9],
];

const SYMLINKS: readonly (readonly [string, string])[] = [
  ['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'],
  ['core', '/proc/kcore'], ['ptmx', 'pts/ptmx'],
];

/**
 * Builds /dev at `dev` (a host path inside the new root, resolved by the caller). `bindDevices`: in
 * a user namespace mknod is refused, so each device is the host's node bound onto an empty file
 * (runc's way); the host's /dev is still reachable then, before pivot_root.
 */
export function setupDev(dev: string, opts: { bindDevices?: boolean } = {}): void {
  makeDirs(dev);
  mount('tmpfs', dev, 'tmpfs', MS_NOSUID | MS_STRICTATIME, 'mode=755,size=65536k');
  for (const [name, major, minor] of DEVICES) {
    const path = join(dev, name);
    if (opts.bindDevices === true) {
      closeSync(openSync(path, 'w', 0o666));
      mount(`/dev/${name}`, path, null, MS_BIND);
      continue;
    }
    mknodChar(path, 0o666, major, minor);
    chmodSync(path, 0o666); // mknod applies the umask
  }
  for (const dir of ['pts', 'shm', 'mqueue']) mkdirSync(join(dev, dir));
  mount('devpts', join(dev, 'pts'), 'devpts', MS_NOSUID | MS_NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  mount('shm', join(dev, 'shm'), 'tmpfs', MS_NOSUID | MS_NOEXEC | MS_NODEV, 'mode=1777,size=65536k');
  mount('mqueue', join(dev, 'mqueue'), 'mqueue', MS_NOSUID | MS_NOEXEC | MS_NODEV);
  for (const [name, target] of SYMLINKS) symlinkSync(target, join(dev, name));
}
