/**
 * Idmapped bind mounts (Linux 5.12+): a clone of a directory's mount whose file owners are shown
 * (and written) through a user namespace's maps, made with the new mount API — open_tree(2) with
 * OPEN_TREE_CLONE, mount_setattr(2) with MOUNT_ATTR_IDMAP, then move_mount(2) onto a path. glibc
 * 2.36 has no wrappers, so all three go through syscall(2) (x86_64 numbers).
 */
import { closeSync } from 'node:fs';
import { check } from './errno';
import { libc } from './libc';

const SYS_open_tree = 428;
const SYS_move_mount = 429;
const SYS_mount_setattr = 442;

/** <linux/mount.h>. */
const OPEN_TREE_CLONE = 1;
const OPEN_TREE_CLOEXEC = 0o2000000;
const AT_EMPTY_PATH = 0x1000;
const AT_FDCWD = -100;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
/** mount_setattr's attribute: idmap the mount through `userns_fd`. */
export const MOUNT_ATTR_IDMAP = 0x00100000;

/**
 * Bind-mounts `source` on `target` (an existing directory) idmapped through the user namespace
 * behind `usernsFd`: an owner id N on disk reads as the namespace's N, i.e. as the host id its map
 * sends N to. Only a single mount is cloned (no submounts). Equivalent to util-linux 2.39's
 * `mount --bind -o X-mount.idmap=/proc/PID/ns/user source target`.
 * @throws SysError (EINVAL when the filesystem cannot be idmapped, EPERM without CAP_SYS_ADMIN).
 */
export function mountIdmapped(source: string, target: string, usernsFd: number): void {
  const fd = check(Number(libc().syscall(SYS_open_tree, 'int', AT_FDCWD, 'const char *', source, 'unsigned int', OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)), 'open_tree', source);
  try {
    // struct mount_attr { __u64 attr_set, attr_clr, propagation, userns_fd; } (MOUNT_ATTR_SIZE_VER0 = 32)
    const attr = Buffer.alloc(32);
    attr.writeBigUInt64LE(BigInt(MOUNT_ATTR_IDMAP), 0);
    attr.writeBigUInt64LE(BigInt(usernsFd), 24);
    check(Number(libc().syscall(SYS_mount_setattr, 'int', fd, 'const char *', '', 'unsigned int', AT_EMPTY_PATH, 'void *', attr, 'size_t', attr.length)), 'mount_setattr(MOUNT_ATTR_IDMAP)', source);
    check(Number(libc().syscall(SYS_move_mount, 'int', fd, 'const char *', '', 'int', AT_FDCWD, 'const char *', target, 'unsigned int', MOVE_MOUNT_F_EMPTY_PATH)), 'move_mount', target);
  } finally {
    closeSync(fd);
  }
}
