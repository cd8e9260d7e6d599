/**
 * Scratch directories in the images directory: a rootfs being built, an image being deleted. Each
 * is flock(2)ed by the process that owns it for as long as it exists, so an unlocked one is a
 * crash's leftover whatever its age, and the next import deletes it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { removeTree } from './remove-tree';
import { TEMP_PREFIX } from './repositories';
import { tryLockDir } from './store-lock';

/** A scratch directory and the descriptor holding its lock. */
export interface LockedDir {
  readonly path: string;
  readonly fd: number;
}

/**
 * Call under the store lock: creates a new locked temp dir (locked before the lock is released,
 * so no sweeper can see it unowned) and claims the abandoned ones, for {@link discardDirs}.
 */
export async function claimTempDir(imagesDir: string): Promise<{ temp: LockedDir; stale: LockedDir[] }> {
  const stale: LockedDir[] = [];
  for (const entry of await fs.readdir(imagesDir)) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const path = join(imagesDir, entry);
    const st = await fs.lstat(path).catch(() => undefined);
    if (st?.isDirectory()) {
      const fd = tryLockDir(path);
      if (fd !== undefined) stale.push({ path, fd });
    } else if (st) {
      // Scratch files are only written under the store lock, which the caller holds: abandoned.
      await fs.rm(path, { force: true });
    }
  }
  const path = join(imagesDir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
  await fs.mkdir(path, { mode: 0o700 });
  return { temp: { path, fd: tryLockDir(path)! }, stale };
}

/** Deletes locked dirs (a no-op for one renamed into place meanwhile) and releases their locks. */
export async function discardDirs(dirs: readonly LockedDir[]): Promise<void> {
  for (const { path, fd } of dirs) {
    try {
      await removeTree(path);
    } finally {
      closeSync(fd);
    }
  }
}
