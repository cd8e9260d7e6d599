/**
 * Which filesystem failures are final. A store that cannot create, open or lock its files for one of
 * these reasons will fail the same way on every retry: the path is wrong for the job (procfs or sysfs,
 * a read-only mount, a file where a directory belongs, a FUSE or NFS mount without flock), so the
 * caller reports it at once as a problem of the configured path. Anything else (ENOSPC, EIO, EMFILE,
 * ...) is a plain I/O failure of a path that can work.
 */
const FINAL_ERRNOS: ReadonlySet<string> = new Set([
  'ENOENT', // procfs answers mkdir under it with ENOENT; elsewhere a component vanished under us
  'ENOTDIR',
  'EEXIST',
  'EISDIR',
  'EACCES',
  'EPERM', // sysfs
  'EROFS',
  'ENOLCK', // NFS without a lock manager
  'EINVAL', // flock on a filesystem that does not implement it (some FUSE)
  'EOPNOTSUPP',
  'ENOTSUP',
  'ELOOP',
  'ENAMETOOLONG',
]);

/** True when `err` (a Node SystemError or a SysError) says the path itself can never serve. */
export function isUnusablePath(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && FINAL_ERRNOS.has(code);
}
