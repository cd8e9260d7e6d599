/**
 * The container's init: runs in its own process (spawned by the supervisor into a new PID namespace,
 * so it is PID 1) after the supervisor has put it into its cgroups. Everything here is synchronous
 * on the main thread: unshare(CLONE_NEWNS) moves only the calling thread, and execve keeps exactly
 * that thread, so the user's program starts in the namespaces built here (DESIGN.md "Rules").
 *
 * The order is runc's (research C3/C4): join the netns, unshare, make / a slave, mount the overlay
 * root, /dev, the user's mounts, /sys, the /etc files, hostname, /proc, pivot_root, masks, exec.
 * With a user namespace (spec.userns) the init starts inside it as its root, already in the netns
 * (container/userns.ts explains that order); the namespaces it unshares are then owned by it.
 */
import { closeSync, openSync } from 'node:fs';
import { posix } from 'node:path';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS, MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC,
  MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE, hasErrno, chdir, mount, pivotRoot, sethostname, setns, umount2, unshare, makeDirs,
} from '../../sys';
import { apply, type PlanStep, type Syscalls, hostSyscalls } from '../storage/mount-plan';
import { overlayData } from '../storage/overlay-root';
import { secureJoin } from '../storage/secure-join';
import { setupDev } from './dev';
import { maskProcPaths } from './proc-masks';
import type { RunSpec } from './spec';
import { becomeUser } from './container-user';
import { execCommand, step } from './steps';

/** Re-roots a planned target (a host path under `merged`) through secureJoin. */
function inRoot(merged: string, path: string): string {
  if (path !== merged && !path.startsWith(`${merged}/`)) return path; // a host path (a bind source)
  return secureJoin(merged, path.slice(merged.length));
}

/** The plan's syscalls with every target inside the root resolved symlink-safely. */
function rootedSyscalls(merged: string): Syscalls {
  return {
    mount: (source, target, fstype, flags, data) => hostSyscalls.mount(source, inRoot(merged, target), fstype, flags, data),
    umount2: (target, flags) => hostSyscalls.umount2(inRoot(merged, target), flags),
    mkdir: (path) => hostSyscalls.mkdir(inRoot(merged, path)),
    touch: (path) => hostSyscalls.touch(inRoot(merged, path)),
  };
}

/**
 * sysfs at `sys`, read-only. Mounting sysfs needs CAP_SYS_ADMIN over the owner of the netns: in a
 * user namespace with a netns of the host's (--network host or container:), the kernel refuses it,
 * and the host's /sys is bound instead, recursively and read-only (runc's fallback for that case).
 */
function mountSys(sys: string, userns: boolean): void {
  makeDirs(sys);
  const flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY;
  try {
    mount('sysfs', sys, 'sysfs', flags);
    return;
  } catch (err) {
    if (!userns || !hasErrno(err, 'EPERM')) throw err;
  }
  mount('/sys', sys, null, MS_BIND | MS_REC);
  mount(null, sys, null, MS_REMOUNT | MS_BIND | flags);
}

/** Builds the container and execs its command. Returns only by throwing (a step's error). */
export function runInit(spec: RunSpec): never {
  const { merged } = spec.rootfs;
  if (spec.netns !== undefined) {
    const netns = spec.netns;
    step('join the network namespace', () => {
      const fd = openSync(netns, 'r');
      try { setns(fd, CLONE_NEWNET, netns); } finally { closeSync(fd); }
    });
  }
  step('create namespaces', () => unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP));
  // Nothing mounted from here on may propagate back to the host.
  step('make / a slave mount', () => mount(null, '/', null, MS_SLAVE | MS_REC));
  const userns = spec.userns === true;
  step('mount the overlay root', () => {
    for (const dir of [spec.rootfs.upper, spec.rootfs.work, merged]) makeDirs(dir);
    const data = overlayData({ lowerdirs: spec.rootfs.lower, upperdir: spec.rootfs.upper, workdir: spec.rootfs.work, merged });
    // In a user namespace trusted.* xattrs are out of reach: userxattr keeps overlayfs' own
    // (opaque directories, redirects) in user.overlay.*, instead of silently going without them.
    mount('overlay', merged, 'overlay', 0, userns ? `${data},userxattr` : data);
  });
  step('mount /dev', () => setupDev(secureJoin(merged, '/dev'), { bindDevices: userns }));
  step('mount volumes', () => apply(spec.mounts as PlanStep[], rootedSyscalls(merged)));
  step('mount /sys', () => mountSys(secureJoin(merged, '/sys'), userns));
  for (const [target, source] of Object.entries(spec.etcFiles)) {
    step(`mount ${target}`, () => {
      const dest = secureJoin(merged, target);
      hostSyscalls.touch(dest);
      mount(source, dest, null, MS_BIND);
    });
  }
  step('set the hostname', () => sethostname(spec.hostname));
  step('create the working directory', () => makeDirs(secureJoin(merged, spec.workingDir)));
  // Before pivot_root: in a user namespace the kernel lets proc be mounted only while another proc
  // mount is fully visible in the mount namespace (mount_too_revealing), i.e. the host's, which
  // pivot_root takes away. runc mounts it here too.
  step('mount /proc', () => {
    const proc = secureJoin(merged, '/proc');
    makeDirs(proc);
    mount('proc', proc, 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC);
  });
  step('pivot_root', () => {
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the
    // container's tree (LXC's trick, as runc and crun do it; no put_old directory needed).
    chdir(merged);
    pivotRoot('.', '.');
    umount2('.', MNT_DETACH);
    chdir('/');
  });
  step('mask /proc paths', () => maskProcPaths());
  step('enter the working directory', () => chdir(posix.resolve('/', spec.workingDir)));
  const env = spec.user === undefined ? spec.env : step('switch to the user', () => becomeUser(spec.user!, spec.env));
  return execCommand(spec.command, env, posix.resolve('/', spec.workingDir));
}
