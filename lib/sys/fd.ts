import { libc } from './libc';
import { check } from './errno';

const F_GETFD = 1;
const F_SETFD = 2;
const F_GETFL = 3;
const F_SETFL = 4;
const FD_CLOEXEC = 1;
const O_NONBLOCK = 0o4000;

/**
 * Sets or clears FD_CLOEXEC. A container's init marks its sync pipe close-on-exec, so the parent
 * reads end-of-file exactly when execve succeeded.
 */
export function setCloseOnExec(fd: number, on: boolean): void {
  const flags = check(libc().fcntl(fd, F_GETFD, 'int', 0), 'fcntl(F_GETFD)', `fd ${fd}`);
  check(libc().fcntl(fd, F_SETFD, 'int', on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC), 'fcntl(F_SETFD)', `fd ${fd}`);
}

/**
 * Clears O_NONBLOCK, so fs.readSync waits for data. libuv hands a child its extra stdio sockets
 * non-blocking; the init reads its spec synchronously before it does anything else.
 */
export function setBlocking(fd: number): void {
  const flags = check(libc().fcntl(fd, F_GETFL, 'int', 0), 'fcntl(F_GETFL)', `fd ${fd}`);
  check(libc().fcntl(fd, F_SETFL, 'int', flags & ~O_NONBLOCK), 'fcntl(F_SETFL)', `fd ${fd}`);
}
