import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, MS_BIND, MS_REC, MS_SHARED, hasErrno, mount, umount2, makeDirs } from '../sys';
import { openNetns, type Netns } from './netns';
import { withNewNetns } from './with-netns';

/** Where named network namespaces live; `ip netns` uses the same directory. */
export const NETNS_RUN_DIR = '/run/netns';

/**
 * Creates a persistent named network namespace and returns it open. Equivalent to `ip netns add NAME`:
 * a new netns is bind-mounted on `<dir>/<name>`, so it outlives this process until deleteNamedNetns.
 * `from`: name an existing netns instead (a `/proc/<pid>/ns/net` file; `ip netns attach NAME PID`),
 * e.g. one a process made inside a user namespace, so that namespace owns it.
 * @throws a SysError EEXIST when the name is taken
 */
export function createNamedNetns(name: string, dir: string = NETNS_RUN_DIR, from?: string): Netns {
  const target = namedPath(name, dir);
  makeDirs(dir, 0o755);
  makeSharedMountPoint(dir);
  fs.closeSync(fs.openSync(target, fs.constants.O_RDONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o444));
  try {
    if (from === undefined) bindNewNetns(target);
    else mount(from, target, 'none', MS_BIND);
    return openNetns(target);
  } catch (err) {
    try { umount2(target, MNT_DETACH); } catch { /* not mounted */ }
    fs.rmSync(target, { force: true });
    throw err;
  }
}

/**
 * Removes a named network namespace: unmounts and unlinks it. Equivalent to `ip netns delete NAME`.
 * The netns itself dies when its last user (process, open fd, mount) goes away. Missing is success.
 */
export function deleteNamedNetns(name: string, dir: string = NETNS_RUN_DIR): void {
  const target = namedPath(name, dir);
  try {
    umount2(target, MNT_DETACH);
  } catch (err) {
    if (!hasErrno(err, 'EINVAL') && !hasErrno(err, 'ENOENT')) throw err;
  }
  fs.rmSync(target, { force: true });
}

/** The names of the namespaces in `dir` (like `ip netns list`, without ids). */
export function listNamedNetns(dir: string = NETNS_RUN_DIR): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

/** `<dir>/<name>`, refusing names that would leave `dir`. */
export function namedPath(name: string, dir: string = NETNS_RUN_DIR): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || Buffer.byteLength(name) > 255) {
    throw new TypeError(`invalid network namespace name ${JSON.stringify(name)}`);
  }
  return path.join(dir, name);
}

// The namespace mounts must propagate to mount namespaces created later (containers, `ip netns exec`),
// so the directory is made a shared mount point, turning it into one first if it is a plain directory.
function makeSharedMountPoint(dir: string): void {
  try {
    mount('', dir, 'none', MS_SHARED | MS_REC);
  } catch (err) {
    if (!hasErrno(err, 'EINVAL')) throw err;
    mount(dir, dir, 'none', MS_BIND | MS_REC);
    mount('', dir, 'none', MS_SHARED | MS_REC);
  }
}

function bindNewNetns(target: string): void {
  withNewNetns(() => mount('/proc/thread-self/ns/net', target, 'none', MS_BIND));
}
