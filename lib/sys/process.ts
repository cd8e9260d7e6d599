import { libc } from './libc';
import { check } from './errno';

/** gettid(2): the calling thread's id (equal to the pid on the main thread). */
export function gettid(): number {
  return libc().gettid();
}

/** sethostname(2), in the calling thread's UTS namespace. */
export function sethostname(name: string): void {
  const buf = Buffer.from(name);
  check(libc().sethostname(name, buf.length), 'sethostname', JSON.stringify(name));
}

/**
 * execve(2): replaces the process image. Returns only by throwing. Used by a container's init,
 * which is single-purpose and must not run Node code after this point.
 */
export function execve(path: string, argv: readonly string[], envp: readonly string[]): never {
  check(libc().execve(path, [...argv, null], [...envp, null]), 'execve', path);
  throw new Error('execve returned without an error'); // unreachable: execve only returns on failure
}

const PR_SET_PDEATHSIG = 1;

/**
 * prctl(PR_SET_PDEATHSIG): the kernel sends `signal` to this process when the thread that forked
 * it exits. It survives execve, so a container whose supervisor is killed dies with it instead of
 * running on unsupervised.
 */
export function setParentDeathSignal(signal: number): void {
  check(libc().prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0), 'prctl(PR_SET_PDEATHSIG)');
}

/**
 * chdir(2) for the calling thread's filesystem context. After unshare(CLONE_NEWNS) that context is
 * the thread's own, so this moves only the thread that will execve.
 */
export function chdir(path: string): void {
  check(libc().chdir(path), 'chdir', path);
}
