/**
 * Joins a path inside a container root the way the container will see it: symlinks in the image are
 * resolved against the root, never against the host. Mounts are made before pivot_root, when an
 * absolute symlink such as `/data -> /etc` would otherwise send a bind mount onto the host's /etc
 * (the class of bug runc fixed with filepath-securejoin). Components that do not exist yet are
 * joined lexically: the caller creates them inside the root.
 */
import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

/** Symlink hops allowed before giving up, as the kernel's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;

/**
 * The host path of `unsafePath` (absolute or relative, as seen inside `root`) with every symlink
 * resolved inside `root`.
 * @throws Error after too many symlink hops (a loop).
 */
export function secureJoin(root: string, unsafePath: string): string {
  const pending = unsafePath.split('/').filter((p) => p !== '' && p !== '.');
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop(); // ".." at the root stays at the root, as the kernel does at "/"
      continue;
    }
    const candidate = posix.join(root, ...resolved, part);
    let target: string | undefined;
    try {
      if (lstatSync(candidate).isSymbolicLink()) target = readlinkSync(candidate);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_SYMLINKS) throw new Error(`too many levels of symbolic links in ${unsafePath} under ${root}`);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
  }
  return posix.join(root, ...resolved);
}
