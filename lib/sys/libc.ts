import type { LibraryHandle } from 'koffi';

/**
 * The raw libc functions berth calls through koffi. This is the project's only koffi.load of libc:
 * every other module goes through the checked wrappers in lib/sys, which read errno right after the
 * call. Nothing here is `.async` except `send`, whose RTM_DELLINK can block for tens of ms in the
 * kernel; namespace calls must stay synchronous on the calling thread (see lib/netns).
 */
function declare(lib: LibraryHandle) {
  return {
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
    getsockname: lib.func('int getsockname(int fd, void *addr, _Inout_ uint32_t *len)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *val, uint32_t len)'),
    send: lib.func('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
    recv: lib.func('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
    close: lib.func('int close(int fd)'),
    setns: lib.func('int setns(int fd, int nstype)'),
    unshare: lib.func('int unshare(int flags)'),
    mount: lib.func('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)'),
    umount2: lib.func('int umount2(const char *target, int flags)'),
    flock: lib.func('int flock(int fd, int operation)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long request, ...)'),
    syscall: lib.func('long syscall(long number, ...)'),
    sethostname: lib.func('int sethostname(const char *name, size_t len)'),
    execve: lib.func('int execve(const char *path, const char **argv, const char **envp)'),
    gettid: lib.func('int gettid(void)'),
    prctl: lib.func('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)'),
    fcntl: lib.func('int fcntl(int fd, int cmd, ...)'),
    mknod: lib.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    chdir: lib.func('int chdir(const char *path)'),
    lsetxattr: lib.func('int lsetxattr(const uint8_t *path, const char *name, const uint8_t *value, size_t size, int flags)'),
    lgetxattr: lib.func('intptr_t lgetxattr(const uint8_t *path, const char *name, _Out_ uint8_t *value, size_t size)'),
    llistxattr: lib.func('intptr_t llistxattr(const uint8_t *path, _Out_ uint8_t *list, size_t size)'),
    mknodBytes: lib.func('mknod', 'int', ['const uint8_t *', 'uint32_t', 'uint64_t']),
  } as const;
}

/** koffi itself; loaded on first use (see libc()). */
export function koffi(): typeof import('koffi') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('koffi') as typeof import('koffi'));
}

let loaded: typeof import('koffi') | undefined;
let functions: ReturnType<typeof declare> | undefined;

/**
 * The libc functions, declared on first use. Loading koffi's native module and declaring the
 * functions costs a few ms that a plugin answering VERSION, or failing config validation, never needs.
 */
export function libc(): ReturnType<typeof declare> {
  return (functions ??= declare(koffi().load('libc.so.6')));
}
