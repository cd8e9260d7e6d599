/**
 * `berth exec`: a new process in a running container, in all of its namespaces (PID included: the
 * parent sets it around the spawn) and in its cgroups before it runs anything.
 */
import type { RuntimeDeps } from './deps';
import { mergeEnv } from './create';
import { type ContainerStdio, processStartTime } from './start';
import { type StartedInit, spawnInit } from './spawn-init';
import { ContainerError } from './store';
import { containerCgroup } from './teardown';
import type { ContainerRecord } from './types';

/** What to run. */
export interface ExecRequest {
  readonly command: readonly string[];
  /** Added to (and overriding) the container's environment. */
  readonly env: readonly string[];
  /** Default: the container's working directory. */
  readonly workingDir?: string;
  /** Default: the container's user. */
  readonly user?: string;
}

/** Starts the process; the caller waits on `exit`. */
export async function execInContainer(deps: RuntimeDeps, rec: ContainerRecord, req: ExecRequest, stdio: ContainerStdio): Promise<StartedInit> {
  if (rec.state.status === 'paused') throw new ContainerError(`Container ${rec.config.id} is paused, unpause the container before exec`, 'conflict');
  if (rec.state.status !== 'running') throw new ContainerError(`Container ${rec.config.id} is not running`, 'conflict');
  if (req.command.length === 0) throw new ContainerError('exec requires at least 1 argument', 'invalid');
  // The recorded PID must still be the container's process: while a supervisor tears down, a
  // reused PID could belong to anything, and exec would join its namespaces.
  if (rec.state.pidStartTime !== undefined && processStartTime(rec.state.pid) !== rec.state.pidStartTime) {
    throw new ContainerError(`Container ${rec.config.id} is not running`, 'conflict');
  }
  const cgroup = containerCgroup(deps, rec.config.id);
  const pid = rec.state.pid;
  const userns = rec.config.userns !== undefined;
  return spawnInit({
    initPath: deps.paths.initPath,
    // In a user namespace container nsenter joins the netns, then the user namespace (userns.ts).
    ...(userns ? { userns: { user: `/proc/${pid}/ns/user`, netns: `/proc/${pid}/ns/net` } } : {}),
    spec: { mode: 'exec', pid, ...(userns ? { userns: true } : {}), command: req.command, env: mergeEnv(rec.config.env, req.env), workingDir: req.workingDir ?? rec.config.workingDir, ...((req.user ?? rec.config.user) === undefined ? {} : { user: (req.user ?? rec.config.user)! }) },
    stdio,
    beforeStart: (pid) => cgroup.addProcess(pid),
  });
}
