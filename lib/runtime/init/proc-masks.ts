/**
 * After /proc is mounted: hide the kernel interfaces a container has no business reading, and make
 * the ones that configure the host read-only. The lists are runc's defaults (specconv), which Docker
 * uses unchanged.
 */
import { statSync } from 'node:fs';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, mount } from '../../sys';

/** Masked: a file gets /dev/null bound over it, a directory an empty read-only tmpfs. */
export const MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
] as const;

/** Read-only: bound onto themselves, then remounted read-only. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'] as const;

const exists = (path: string) => statSync(path, { throwIfNoEntry: false });

/** Applies both lists inside the container (after pivot_root). Paths this kernel lacks are skipped. */
export function maskProcPaths(): void {
  for (const path of MASKED_PATHS) {
    const st = exists(path);
    if (!st) continue;
    if (st.isDirectory()) mount('tmpfs', path, 'tmpfs', MS_RDONLY, 'size=0');
    else mount('/dev/null', path, null, MS_BIND);
  }
  for (const path of READONLY_PATHS) {
    if (!exists(path)) continue;
    mount(path, path, null, MS_BIND | MS_REC);
    // A remount replaces the flags: nosuid,nodev,noexec must be restated or they are dropped.
    mount(null, path, null, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  }
}
