/** mknod(2) for every node a layer can hold: character and block devices and fifos. */
import { libc } from './libc';
import { check } from './errno';
import { makedev } from './mount';

/** File type bits of mknod(2)'s mode, by the tar entry kinds that carry them. */
export const NODE_TYPE_BITS = Object.freeze({ char: 0o020000, block: 0o060000, fifo: 0o010000 });

/** What {@link makeNode} makes. */
export type NodeKind = keyof typeof NODE_TYPE_BITS;

/**
 * mknod(2) of `path` (a string or raw bytes), `mode` being the permission bits; the umask applies,
 * so callers chmod afterwards. Equivalent to `mknod path c|b|p major minor`.
 */
export function makeNode(path: string | Buffer, kind: NodeKind, mode: number, major = 0, minor = 0): void {
  const bytes = Buffer.concat([typeof path === 'string' ? Buffer.from(path) : path, Buffer.alloc(1)]);
  check(libc().mknodBytes(bytes, NODE_TYPE_BITS[kind] | (mode & 0o7777), makedev(major, minor)), 'mknod', String(path));
}
