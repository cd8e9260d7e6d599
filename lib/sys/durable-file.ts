/**
 * Writing a whole small file so that a writer killed at any instant, or a power cut, leaves either
 * the old file or the new one under the name, never a torn or empty one. Every store in berth that
 * persists a document (container records, networks, the CNI result cache, image repositories, the
 * overlay stores and lease files) writes through here:
 *
 *   write `.<name>.tmp-<random>` beside the target, fsync it, then rename(2) it over the target (or,
 *   exclusive, link(2) it: that fails with EEXIST when the name exists, so two creators of one name
 *   cannot both win), then fsync the directory so the new name itself survives a power cut.
 *
 * The temp name starts with a dot: directory listings (ours, and libcni's of the result cache) never
 * take one for an entry. A writer killed between the write and the rename leaves its temp file;
 * {@link sweepTempFiles} removes those, and only a caller that holds the target's lock may call it
 * (without the lock, a temp file may be a live writer's).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** How {@link writeFileDurable} puts the file in place. */
export interface DurableWriteOptions {
  /** The new file's mode (less the umask). Default 0600. */
  readonly mode?: number;
  /** link(2) instead of rename(2): never replace; an existing name throws EEXIST. Default false. */
  readonly exclusive?: boolean;
  /**
   * fsync the file and its directory (default true). Only a hint that can be rebuilt may skip it:
   * without it the page cache still makes the write SIGKILL-safe, but not power-cut-safe.
   */
  readonly sync?: boolean;
}

/** `.<name>.tmp-`: the prefix of every temp file written for `file`. */
const tempPrefix = (file: string): string => `.${path.basename(file)}.tmp-`;
const tempFor = (file: string): string => path.join(path.dirname(file), `${tempPrefix(file)}${randomBytes(6).toString('hex')}`);

/**
 * Puts `data` under `file` durably (see the module comment).
 * @throws the Node error of any step (EEXIST when `exclusive` and the name exists); the temp file is
 *   gone whatever failed.
 */
export async function writeFileDurable(file: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): Promise<void> {
  const temp = tempFor(file);
  const sync = opts.sync ?? true;
  try {
    const handle = await fs.promises.open(temp, 'wx', opts.mode ?? 0o600);
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    if (opts.exclusive) await fs.promises.link(temp, file);
    else await fs.promises.rename(temp, file);
  } finally {
    // After a rename there is nothing left to remove; after a link (or a failure) the temp name goes.
    await fs.promises.rm(temp, { force: true });
  }
  if (sync) await fsyncDirectory(path.dirname(file));
}

/** {@link writeFileDurable} for synchronous callers (a CLI step that is synchronous through and through). */
export function writeFileDurableSync(file: string, data: string | Uint8Array, opts: DurableWriteOptions = {}): void {
  const temp = tempFor(file);
  const sync = opts.sync ?? true;
  try {
    const fd = fs.openSync(temp, 'wx', opts.mode ?? 0o600);
    try {
      fs.writeFileSync(fd, data);
      if (sync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (opts.exclusive) fs.linkSync(temp, file);
    else fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  if (sync) fsyncDirectorySync(path.dirname(file));
}

/**
 * Removes the temp files that writers of `file` killed mid-write left beside it. Call it only holding
 * the lock that all writers of `file` hold; a missing directory is nothing to sweep.
 * @returns how many were removed.
 */
export async function sweepTempFiles(file: string): Promise<number> {
  const dir = path.dirname(file);
  const prefix = tempPrefix(file);
  let names: string[];
  try {
    names = await fs.promises.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const stale = names.filter((n) => n.startsWith(prefix));
  for (const name of stale) await fs.promises.rm(path.join(dir, name), { force: true });
  return stale.length;
}

/** True for the name of a temp file of this module (a caller listing a directory skips those). */
export const isDurableTempName = (name: string): boolean => name.startsWith('.') && name.includes('.tmp-');

/** fsync(2) of a directory: makes the names created or renamed in it survive a power cut. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** {@link fsyncDirectory}, synchronously. */
export function fsyncDirectorySync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
