/**
 * The file primitives of the disk store: small reads, fresh 0600 files. Kept apart from
 * disk-store.ts, which decides the layout and the write order that make it crash-consistent.
 */
import fs from 'node:fs';
import { hasErrno } from '../sys';

const scratch = Buffer.allocUnsafe(4096);

/**
 * Reads a small file (undefined if it is gone). Every ADD reads every lease under the lock, so this
 * skips readFileSync's fstat and per-file buffer: open, one read into a shared buffer, close.
 */
export function readSmall(file: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  try {
    const n = fs.readSync(fd, scratch, 0, scratch.length, 0);
    return n < scratch.length ? scratch.toString('utf8', 0, n) : fs.readFileSync(file, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates `file` (replacing a stale one) with `content`, mode 0600, fsynced when `durable`. */
export function writeFresh(file: string, content: string, durable: boolean): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if (!hasErrno(err, 'EEXIST')) throw err;
    fs.unlinkSync(file);
    fd = fs.openSync(file, 'wx', 0o600);
  }
  try {
    fs.writeSync(fd, content);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The reference's reservation: an O_EXCL create, then the content. Used only where link(2) is not
 * available; a crash between the two leaves an empty lease (taken, released by GC only).
 */
export function createExclusive(file: string, content: string, durable: boolean): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if (hasErrno(err, 'EEXIST')) return false;
    throw err;
  }
  try {
    fs.writeSync(fd, content);
    if (durable) fs.fsyncSync(fd);
  } catch (err) {
    unlinkQuiet(file);
    throw err;
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** unlink(2), ignoring any failure: for scratch files nothing depends on. */
export function unlinkQuiet(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Already gone, or undeletable: either way nothing depends on it.
  }
}
