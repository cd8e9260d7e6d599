import { libc } from './libc';
import { check } from './errno';

/** Namespace type flags from <linux/sched.h>. */
export const CLONE_NEWNS = 0x00020000;
export const CLONE_NEWCGROUP = 0x02000000;
export const CLONE_NEWUTS = 0x04000000;
export const CLONE_NEWIPC = 0x08000000;
export const CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000;
export const CLONE_NEWNET = 0x40000000;
export const CLONE_FS = 0x00000200;

/** ioctl on an nsfs descriptor returning its CLONE_NEW* type (<linux/nsfs.h>: _IO(0xb7, 0x3)). */
const NS_GET_NSTYPE = 0xb703;

/**
 * setns(2): moves only the calling thread into the namespace behind `fd`.
 * @param nstype a CLONE_NEW* flag; the kernel refuses an fd of another type (EINVAL).
 */
export function setns(fd: number, nstype: number, context?: string): void {
  check(libc().setns(fd, nstype), 'setns', context);
}

/** unshare(2) for the calling thread. */
export function unshare(flags: number): void {
  check(libc().unshare(flags), 'unshare', `flags 0x${flags.toString(16)}`);
}

/**
 * The CLONE_NEW* type of the namespace behind `fd` (NS_GET_NSTYPE).
 * Throws ENOTTY for a descriptor that is not a namespace file.
 */
export function nsType(fd: number, context?: string): number {
  return check(libc().ioctl(fd, NS_GET_NSTYPE, 'int', 0), 'ioctl(NS_GET_NSTYPE)', context);
}
