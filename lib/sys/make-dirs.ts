/**
 * `mkdir -p` that always ends. Node's `mkdir(p, { recursive: true })` (sync and promise alike, Node 20)
 * steps back to the parent on ENOENT and forward again on EEXIST with no check that the retry can do
 * better: under /proc, which answers mkdir with ENOENT for a name it cannot hold while the parent
 * exists, it spins forever at 100% CPU (host-local with `dataDir: /proc` hung until killed). Here each
 * component is tried at most twice, once and once more after its parent was made, so the walk is
 * bounded by the path's depth and an ENOENT with the parent in place is the final answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hasErrno } from './errno';

/**
 * Creates `dir` and any missing parents, each with `mode` (less the umask).
 * @returns the first directory created (the outermost), or undefined when `dir` existed: the same
 *   contract as Node's recursive mkdir, so a caller can fsync the parent of what is new.
 * @throws the mkdir error (ENOENT, EACCES, EROFS, ...); ENOTDIR when a component exists but is not a
 *   directory (Node's recursive mkdir says EEXIST for the last one, which reads as success to many).
 */
export function makeDirs(dir: string, mode = 0o777): string | undefined {
  return walk(path.resolve(dir), mode);
}

/** {@link makeDirs} on the thread pool, for code that must not block its event loop. */
export async function makeDirsAsync(dir: string, mode = 0o777): Promise<string | undefined> {
  return walkAsync(path.resolve(dir), mode);
}

function walk(dir: string, mode: number): string | undefined {
  const isDir = (d: string) => fs.statSync(d).isDirectory();
  try {
    fs.mkdirSync(dir, { mode });
    return dir;
  } catch (err) {
    if (hasErrno(err, 'EEXIST')) return existing(dir, isDir(dir));
    const parent = path.dirname(dir);
    if (!hasErrno(err, 'ENOENT') || parent === dir) throw err;
    const first = walk(parent, mode);
    try {
      fs.mkdirSync(dir, { mode });
    } catch (again) {
      // The parent is there now: ENOENT (procfs) or anything else is final.
      if (!hasErrno(again, 'EEXIST')) throw again;
      existing(dir, isDir(dir));
      return first;
    }
    return first ?? dir;
  }
}

async function walkAsync(dir: string, mode: number): Promise<string | undefined> {
  const isDir = async (d: string) => (await fs.promises.stat(d)).isDirectory();
  try {
    await fs.promises.mkdir(dir, { mode });
    return dir;
  } catch (err) {
    if (hasErrno(err, 'EEXIST')) return existing(dir, await isDir(dir));
    const parent = path.dirname(dir);
    if (!hasErrno(err, 'ENOENT') || parent === dir) throw err;
    const first = await walkAsync(parent, mode);
    try {
      await fs.promises.mkdir(dir, { mode });
    } catch (again) {
      if (!hasErrno(again, 'EEXIST')) throw again;
      existing(dir, await isDir(dir));
      return first;
    }
    return first ?? dir;
  }
}

/** An existing name is fine when it is a directory (stat follows a symlink to one). */
function existing(dir: string, isDirectory: boolean): undefined {
  if (!isDirectory) throw notADirectory(dir);
  return undefined;
}

/** Shaped like Node's SystemError, so callers test `code` as for any other fs failure. */
function notADirectory(dir: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', errno: -20, syscall: 'mkdir', path: dir });
}
