import fs from 'node:fs';
import { CLONE_NEWNET, hasErrno, nsType, SysError } from '../sys';
import { NetnsNotFoundError, NotANetnsError } from './errors';

/**
 * open(2) failures that say the path cannot name a namespace, in words (the errno message would
 * repeat the path, which may be kilobytes long). Others (EACCES, EMFILE, ...) stay system errors.
 */
const OPEN_REASONS: Readonly<Record<string, string>> = {
  ENOTDIR: 'a component of the path is not a directory',
  ENAMETOOLONG: 'the path or one of its components is too long',
  ELOOP: 'too many symbolic links in the path',
  EISDIR: 'a directory',
};

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
    const reason = OPEN_REASONS[(err as NodeJS.ErrnoException).code ?? ''];
    if (reason !== undefined) throw new NotANetnsError(path, reason, { cause: err });
    throw err;
  }
  try {
    // NS_GET_NSTYPE is answered only by nsfs files; it also rejects a mount, pid, ... namespace.
    let type: number;
    try {
      type = nsType(fd, path);
    } catch (err) {
      // Only the ioctl's refusal says "not a namespace"; a failure to call it at all (the FFI's addon
      // could not be loaded) is reported as itself.
      if (!(err instanceof SysError)) throw err;
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

/**
 * For DEL and other cleanup: the netns at `path`, or undefined when it cannot be entered at all
 * (missing, not a network namespace, a path open(2) refuses). The spec's DEL must succeed when the
 * netns is gone, and one that cannot be entered holds nothing DEL could reach: the caller cleans up
 * what lives outside it (host veth, leases, rules), as for a netns that is gone.
 */
export function openNetnsIfEnterable(path: string): Netns | undefined {
  if (path === '') return undefined;
  try {
    return openNetns(path);
  } catch {
    return undefined;
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
