/**
 * The container's init: runs in its own process (spawned by the supervisor into a new PID namespace,
 * so it is PID 1) after the supervisor has put it into its cgroups. Everything here is synchronous
 * on the main thread: unshare(CLONE_NEWNS) moves only the calling thread, and execve keeps exactly
 * that thread, so the user's program starts in the namespaces built here (DESIGN.md "Rules").
 *
 * The order is runc's (research C3/C4): join the netns, unshare, make / a slave, mount the overlay
 * root, /dev, the user's mounts, /sys, the /etc files, hostname, pivot_root, /proc, masks, exec.
 */
import { closeSync, openSync } from 'node:fs';
import { posix } from 'node:path';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS, MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC,
  MS_NOSUID, MS_RDONLY, MS_REC, MS_SLAVE, chdir, mount, pivotRoot, sethostname, setns, umount2, unshare, makeDirs,
} from '../../sys';
import { apply, type PlanStep, type Syscalls, hostSyscalls } from '../storage/mount-plan';
import { overlayData } from '../storage/overlay-root';
import { secureJoin } from '../storage/secure-join';
import { setupDev } from './dev';
import { maskProcPaths } from './proc-masks';
import type { RunSpec } from './spec';
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
  step('mount the overlay root', () => {
    for (const dir of [spec.rootfs.upper, spec.rootfs.work, merged]) makeDirs(dir);
    mount('overlay', merged, 'overlay', 0, overlayData({ lowerdirs: spec.rootfs.lower, upperdir: spec.rootfs.upper, workdir: spec.rootfs.work, merged }));
  });
  step('mount /dev', () => setupDev(secureJoin(merged, '/dev')));
  step('mount volumes', () => apply(spec.mounts as PlanStep[], rootedSyscalls(merged)));
  step('mount /sys', () => {
    const sys = secureJoin(merged, '/sys');
    makeDirs(sys);
    mount('sysfs', sys, 'sysfs', MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
  });
  for (const [target, source] of Object.entries(spec.etcFiles)) {
    step(`mount ${target}`, () => {
      const dest = secureJoin(merged, target);
      hostSyscalls.touch(dest);
      mount(source, dest, null, MS_BIND);
    });
  }
  step('set the hostname', () => sethostname(spec.hostname));
  step('create the working directory', () => makeDirs(secureJoin(merged, spec.workingDir)));
  step('pivot_root', () => {
    makeDirs(secureJoin(merged, '/proc'));
    // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves only the
    // container's tree (LXC's trick, as runc and crun do it; no put_old directory needed).
    chdir(merged);
    pivotRoot('.', '.');
    umount2('.', MNT_DETACH);
    chdir('/');
  });
  step('mount /proc', () => mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC));
  step('mask /proc paths', () => maskProcPaths());
  step('enter the working directory', () => chdir(posix.resolve('/', spec.workingDir)));
  return execCommand(spec.command, spec.env, posix.resolve('/', spec.workingDir));
}
