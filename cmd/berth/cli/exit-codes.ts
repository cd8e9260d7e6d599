/**
 * Exit statuses of `berth run`, Docker's contract: scripts tell berth's own failures from the
 * container's by these three values; any other status is the container process's own.
 */

/** berth itself failed (bad flag, image not found, a limit refused): `docker run` exits 125. */
export const EXIT_BERTH_ERROR = 125;
/** The container command exists but cannot be invoked (EACCES, not executable). */
export const EXIT_CANNOT_INVOKE = 126;
/** The container command was not found (ENOENT on execve). */
export const EXIT_NOT_FOUND = 127;
/** A non-run command that failed for a reason other than its arguments (Docker's CLI exits 1). */
export const EXIT_FAILURE = 1;
