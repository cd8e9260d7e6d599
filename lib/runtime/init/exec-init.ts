/**
 * `berth exec`'s helper: joins a running container. The parent already made this process a member
 * of the container's PID namespace (setns on its own thread around the spawn) and of its cgroups;
 * here the process joins the others. The mount namespace goes last: once in it, the host's /proc
 * paths are no longer reachable, so every namespace file is opened first. setns(CLONE_NEWNS) needs
 * a thread that does not share its filesystem context, hence unshare(CLONE_FS) first.
 */
import { closeSync, openSync } from 'node:fs';
import { posix } from 'node:path';
import { CLONE_FS, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS, chdir, setns, unshare } from '../../sys';
import type { ExecSpec } from './spec';
import { becomeUser } from './container-user';
import { execCommand, step } from './steps';

/** The namespaces `exec` joins besides pid, in order (mnt last). */
const JOINED: readonly (readonly [string, number])[] = [
  ['ipc', CLONE_NEWIPC], ['uts', CLONE_NEWUTS], ['net', CLONE_NEWNET], ['cgroup', CLONE_NEWCGROUP], ['mnt', CLONE_NEWNS],
];

/** Joins the container of `spec.pid` and execs the command. Returns only by throwing. */
export function execInit(spec: ExecSpec): never {
  // In a user namespace container nsenter joined the netns (needs host privileges) and the user
  // namespace before this Node started; the rest belong to that user namespace, whose root we are.
  const joined = spec.userns === true ? JOINED.filter(([name]) => name !== 'net') : JOINED;
  const fds = step('open the container namespaces', () => joined.map(([name, type]) => [openSync(`/proc/${spec.pid}/ns/${name}`, 'r'), type, name] as const));
  step('unshare the filesystem context', () => unshare(CLONE_FS));
  for (const [fd, type, name] of fds) {
    step(`join the ${name} namespace`, () => setns(fd, type, name));
    closeSync(fd);
  }
  step('enter the working directory', () => chdir(posix.resolve('/', spec.workingDir)));
  const env = spec.user === undefined ? spec.env : step('switch to the user', () => becomeUser(spec.user!, spec.env));
  return execCommand(spec.command, env, posix.resolve('/', spec.workingDir));
}
