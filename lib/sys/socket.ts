import { koffi, libc } from './libc';
import { check, ERRNO, SysError } from './errno';

/** Socket constants from <sys/socket.h> and <linux/netlink.h>, uapi spelling. */
export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_RCVTIMEO = 20;
export const MSG_DONTWAIT = 0x40;

/** socket(2). The descriptor is close-on-exec: a plugin's children must not inherit netlink sockets. */
export function socket(domain: number, type: number, protocol: number): number {
  return check(libc().socket(domain, type | SOCK_CLOEXEC, protocol), 'socket');
}

/** bind(2) with a raw sockaddr. */
export function bind(fd: number, sockaddr: Buffer): void {
  check(libc().bind(fd, sockaddr, sockaddr.length), 'bind');
}

/** getsockname(2) into a buffer of `size` bytes; returns the bytes the kernel filled. */
export function getsockname(fd: number, size: number): Buffer {
  const addr = Buffer.alloc(size);
  const len = [size];
  check(libc().getsockname(fd, addr, len), 'getsockname');
  return addr.subarray(0, len[0]);
}

/** setsockopt(2) with a 32-bit integer value. */
export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  const v = Buffer.alloc(4);
  v.writeInt32LE(value);
  check(libc().setsockopt(fd, level, name, v, 4), 'setsockopt', `level ${level} option ${name}`);
}

/** setsockopt(2) with a raw value (e.g. a struct timeval). */
export function setsockoptRaw(fd: number, level: number, name: number, value: Buffer): void {
  check(libc().setsockopt(fd, level, name, value, value.length), 'setsockopt', `level ${level} option ${name}`);
}

/** send(2) on the calling thread; returns the bytes sent. */
export function send(fd: number, buf: Buffer, flags = 0): number {
  return Number(check(libc().send(fd, buf, buf.length, flags), 'send'));
}

/**
 * send(2) on a libuv pool thread, for requests the kernel serves slowly inside send()
 * (RTM_DELLINK waits ~40 ms for RCU). A socket keeps its netns whichever thread uses it,
 * so this is safe for sockets opened in another namespace. koffi restores the worker's errno
 * for the callback, so the error is read there.
 */
export function sendAsync(fd: number, buf: Buffer, flags = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    libc().send.async(fd, buf, buf.length, flags, (err: unknown, rc: number | bigint) => {
      if (err) reject(err);
      else if (rc < 0) reject(new SysError('send', koffi().errno()));
      else resolve(Number(rc));
    });
  });
}

/** recv(2) into `buf`; returns the byte count, or -1 for EAGAIN when `flags` has MSG_DONTWAIT. EINTR is retried. */
export function recv(fd: number, buf: Buffer, flags = 0): number {
  for (;;) {
    const rc = Number(libc().recv(fd, buf, buf.length, flags));
    if (rc >= 0) return rc;
    const errno = koffi().errno();
    if (errno === ERRNO.EINTR) continue;
    if (errno === ERRNO.EAGAIN && flags & MSG_DONTWAIT) return -1;
    throw new SysError('recv', errno);
  }
}

/** close(2). EBADF is reported; other errors on close are not actionable and are ignored. */
export function close(fd: number): void {
  if (libc().close(fd) < 0 && koffi().errno() === ERRNO.EBADF) throw new SysError('close', koffi().errno(), `fd ${fd}`);
}
