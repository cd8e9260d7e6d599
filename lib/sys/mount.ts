import { libc } from './libc';
import { check } from './errno';

/** mount(2) flags from <linux/mount.h>. */
export const MS_RDONLY = 0x1;
export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_REMOUNT = 0x20;
export const MS_BIND = 0x1000;
export const MS_MOVE = 0x2000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MS_SLAVE = 0x80000;
export const MS_SHARED = 0x100000;
export const MS_UNBINDABLE = 0x20000;

/** umount2(2) flags. */
export const MNT_DETACH = 0x2;
export const MNT_EXPIRE = 0x4;
export const UMOUNT_NOFOLLOW = 0x8;

const SYS_pivot_root = 155; // x86_64; glibc has no wrapper

/** mount(2). Equivalent to `mount -t fstype -o data source target` with `flags`. */
export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  const dataBuf = data === null ? null : Buffer.from(`${data}\0`);
  check(libc().mount(source, target, fstype, flags, dataBuf), 'mount', `${source ?? 'none'} on ${target}`);
}

/** umount2(2). */
export function umount2(target: string, flags = 0): void {
  check(libc().umount2(target, flags), 'umount2', target);
}

/** pivot_root(2) through syscall(2). */
export function pivotRoot(newRoot: string, putOld: string): void {
  check(Number(libc().syscall(SYS_pivot_root, 'const char *', newRoot, 'const char *', putOld)), 'pivot_root', newRoot);
}

/** File type bits of mknod(2)'s mode. */
export const S_IFCHR = 0o020000;

/** makedev(3): the kernel's dev_t encoding of major:minor. */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

/** mknod(2) of a character device; the umask applies, so callers chmod afterwards. */
export function mknodChar(path: string, mode: number, major: number, minor: number): void {
  check(libc().mknod(path, S_IFCHR | mode, makedev(major, minor)), 'mknod', path);
}
