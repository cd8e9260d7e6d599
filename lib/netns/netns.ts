import fs from 'node:fs';
import { CLONE_NEWNET, hasErrno, nsType } from '../sys';
import { NetnsNotFoundError, NotANetnsError } from './errors';

/** An open network namespace: the descriptor keeps it alive even if its bind mount is removed. */
export interface Netns {
  readonly path: string;
  readonly fd: number;
  /** Device and inode of the nsfs file: two handles name the same netns iff these are equal. */
  readonly dev: number;
  readonly ino: number;
  close(): void;
}

/**
 * Opens a network namespace by path (`/run/netns/x`, `/proc/<pid>/ns/net`, ...) and checks that it is one.
 * @throws {NetnsNotFoundError} the path does not exist
 * @throws {NotANetnsError} the path is a plain file or another namespace type
 */
export function openNetns(path: string): Netns {
  if (path.includes('\0')) throw new NotANetnsError(path.replaceAll('\0', '\\0'), 'path contains a NUL byte');
  let fd: number;
  try {
    fd = fs.openSync(path, 'r') // O_CLOEXEC: Node always adds it;
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) throw new NetnsNotFoundError(path, { cause: err });
    throw err;
  }
  try {
    // NS_GET_NSTYPE is answered only by nsfs files; it also rejects a mount, pid, ... namespace.
    let type: number;
    try {
      type = nsType(fd, path);
    } catch (err) {
      throw new NotANetnsError(path, 'not a namespace file', { cause: err });
    }
    if (type !== CLONE_NEWNET) throw new NotANetnsError(path, `namespace type 0x${type.toString(16)}`);
    const st = fs.fstatSync(fd);
    return handle(path, fd, st.dev, st.ino);
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
}

/** The network namespace of the calling thread. */
export function currentNetns(): Netns {
  return openNetns('/proc/thread-self/ns/net');
}

/** True when both handles refer to the same namespace. */
export function sameNetns(a: Netns, b: Netns): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function handle(path: string, fd: number, dev: number, ino: number): Netns {
  let open = true;
  return {
    path,
    fd,
    dev,
    ino,
    close() {
      if (!open) return;
      open = false;
      fs.closeSync(fd);
    },
  };
}
