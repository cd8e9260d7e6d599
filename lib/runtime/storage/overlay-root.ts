/**
 * The container's root filesystem: overlayfs with the image as the read-only lower layer(s) and a
 * per-container upper (the writable layer) and workdir, mounted on `merged`. Removing the
 * container discards upper and work: that is the whole of "the writable layer is gone after rm".
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { MNT_DETACH } from '../../sys';
import type { PlanStep, UmountStep } from './mount-plan';

/** Where one container's overlay lives. */
export interface OverlayLayout {
  /** Image layers, topmost first (overlayfs' `lowerdir` order). */
  readonly lowerdirs: readonly string[];
  readonly upperdir: string;
  /** overlayfs scratch space; must be on the same filesystem as upperdir, hence a sibling. */
  readonly workdir: string;
  /** The container's root as the runtime sees it on the host. */
  readonly merged: string;
}

/** Mount data is one page at most: the kernel truncates, so too many layers must be refused here. */
const MAX_MOUNT_DATA = 4095;

/** The layout under a container's state directory: `<dir>/upper`, `<dir>/work`, `<dir>/merged`. */
export function overlayLayout(containerDir: string, lowerdirs: readonly string[]): OverlayLayout {
  return { lowerdirs, upperdir: join(containerDir, 'upper'), workdir: join(containerDir, 'work'), merged: join(containerDir, 'merged') };
}

/** overlayfs' option string, refusing paths its parser would split (`,` separates options, `:` layers). */
export function overlayData(layout: OverlayLayout): string {
  if (layout.lowerdirs.length === 0) throw new Error('overlay root: at least one lower layer is required');
  for (const path of [...layout.lowerdirs, layout.upperdir, layout.workdir]) {
    if (/[,:]/.test(path)) throw new Error(`overlay root: path ${path} contains ',' or ':', which overlayfs options cannot carry`);
  }
  const data = `lowerdir=${layout.lowerdirs.join(':')},upperdir=${layout.upperdir},workdir=${layout.workdir}`;
  if (data.length > MAX_MOUNT_DATA) throw new Error(`overlay root: ${layout.lowerdirs.length} layers make mount data longer than one page`);
  return data;
}

/** Steps that mount the overlay root: `mount -t overlay overlay -o lowerdir=...,upperdir=...,workdir=... merged`. */
export function planOverlayRoot(layout: OverlayLayout): PlanStep[] {
  return [
    { op: 'mkdir', path: layout.upperdir },
    { op: 'mkdir', path: layout.workdir },
    { op: 'mkdir', path: layout.merged },
    { op: 'mount', source: 'overlay', target: layout.merged, fstype: 'overlay', flags: 0, data: overlayData(layout) },
  ];
}

/** Steps that unmount the overlay root (detached: a lingering open file must not block `rm`). */
export function planOverlayTeardown(layout: OverlayLayout): UmountStep[] {
  return [{ op: 'umount2', target: layout.merged, flags: MNT_DETACH }];
}

/** Deletes the writable layer and the mountpoint; call after the teardown. Idempotent. */
export async function removeWritableLayer(layout: OverlayLayout): Promise<void> {
  // rmdir merged first, not rm -r: while it is still mounted this fails (EBUSY) before anything is
  // deleted, instead of deleting through the mount.
  await fs.rmdir(layout.merged).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  for (const dir of [layout.upperdir, layout.workdir]) await fs.rm(dir, { recursive: true, force: true });
}
