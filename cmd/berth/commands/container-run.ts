/**
 * `berth run`, `berth create`, and the hidden `__supervise` that `run -d` and `start` leave behind.
 * Attached, the `berth run` process itself supervises the container (its exit code is the
 * container's, signals are forwarded as Docker's sig-proxy does); detached, a copy of berth started
 * in its own session takes the container's lock over and supervises it through its restart policy,
 * and `run` returns once the command runs.
 */
import { closeSync, writeSync } from 'node:fs';
import {
  type ContainerRecord, type HeldLock, InitError, type RuntimeDeps, createContainer, planRestart, ranFor, removeContainer,
  startContainer, superviseContainer, superviseWithRestarts, ZERO_TIME,
} from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { CliError, DaemonError } from '../cli/errors';
import { EXIT_BERTH_ERROR, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND } from '../cli/exit-codes';
import { randomName } from '../cli/names';
import { CREATE_SPEC, RUN_SPEC } from '../cli/run-flags';
import { type RunOptions, runOptionsFromArgs } from '../cli/run-options';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { depsOf, reconciledDeps } from './container-deps';
import { spawnSupervisor } from './supervisor-spawn';

/** Docker's exit status for a start that failed: 127 command not found, 126 not executable, else 125. */
export function startFailure(err: unknown): CliError {
  if (err instanceof InitError) {
    const code = err.failure.code === 'ENOENT' && err.failure.step === 'find the command' ? EXIT_NOT_FOUND
      : err.failure.code === 'EACCES' ? EXIT_CANNOT_INVOKE : EXIT_BERTH_ERROR;
    return new DaemonError(`failed to create task for container: ${err.message}: unknown`, { exitCode: code });
  }
  if (err instanceof CliError) return err;
  return new DaemonError(err instanceof Error ? err.message : String(err), { exitCode: EXIT_BERTH_ERROR });
}

/** Records a failed start as Docker does (status stays "created", the error kept), or removes it with --rm. */
export async function recordStartFailure(deps: RuntimeDeps, rec: ContainerRecord, err: CliError): Promise<void> {
  if (rec.config.autoRemove) {
    await removeContainer(deps, rec.config, { volumes: true }).catch(() => {});
    return;
  }
  // A container that ran before stays "exited" (a boot start that failed, say); Docker keeps a
  // never-started one "created".
  const status = rec.state.startedAt === ZERO_TIME ? 'created' : 'exited';
  await deps.containers.saveState(rec.config.id, { ...rec.state, status, pid: 0, error: err.message, exitCode: err.exitCode }).catch(() => {});
}

/** A free random name (Docker retries with a digit suffix on a clash). */
async function freeName(deps: RuntimeDeps): Promise<string> {
  const taken = new Set((await deps.containers.list()).map((r) => r.config.name));
  for (let retry = 0; ; retry++) {
    const name = randomName(retry);
    if (!taken.has(name)) return name;
  }
}

async function create(deps: RuntimeDeps, opts: RunOptions): Promise<{ record: ContainerRecord; lock: HeldLock }> {
  return createContainer(deps, {
    image: opts.image,
    name: opts.name || (await freeName(deps)),
    command: opts.command,
    env: opts.env,
    ...(opts.workingDir ? { workingDir: opts.workingDir } : {}),
    ...(opts.user ? { user: opts.user } : {}),
    ...(opts.hostname ? { hostname: opts.hostname } : {}),
    network: opts.network,
    ...(opts.ipv4 ? { ipv4: opts.ipv4 } : {}),
    ...(opts.ipv6 ? { ipv6: opts.ipv6 } : {}),
    ports: opts.ports,
    exposedPorts: opts.exposedPorts,
    publishAll: opts.publishAll,
    mounts: opts.mounts,
    resources: opts.resources,
    autoRemove: opts.autoRemove,
    restartPolicy: opts.restartPolicy,
    ...(opts.userns ? { userns: opts.userns } : {}),
    ...(opts.dns ? { dns: opts.dns } : {}),
    ...(opts.extraHosts ? { extraHosts: opts.extraHosts } : {}),
    ...(opts.networkAliases ? { networkAliases: opts.networkAliases } : {}),
  });
}

/**
 * Our stdout or stderr going away (`berth run ... | head -1`) must not end the supervision: the
 * container runs on, its output still reaches the json log, only the echo stops.
 */
function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

/**
 * Runs attached (`run` without -d, `start -a`): this process supervises the run and returns its exit
 * code, as Docker's attached CLI returns at the container's next exit. When the restart policy
 * restarts it, a detached supervisor takes the container (and the lock) over for the runs after.
 */
export async function runAttached(deps: RuntimeDeps, record: ContainerRecord, lock: HeldLock, interactive: boolean): Promise<number> {
  tolerateClosedOutput();
  let handedOver = false;
  try {
    let started;
    try {
      started = await startContainer(deps, record, [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'], { attach: true });
    } catch (err) {
      const failure = startFailure(err);
      await recordStartFailure(deps, record, failure);
      throw failure;
    }
    const forward = (signal: NodeJS.Signals) => () => {
      try { process.kill(started.init.pid, signal); } catch { /* exited */ }
    };
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    let exitCode: number;
    try {
      exitCode = await superviseContainer(deps, record, started);
    } finally {
      for (const [s, h] of handlers) process.off(s, h);
    }
    const plan = await planRestart(deps, record.config.id, exitCode, ranFor(started.state.startedAt), 0);
    if (plan !== undefined) {
      handedOver = true;
      await spawnSupervisor(deps, plan.record, lock, plan.delayMs);
    }
    return exitCode;
  } finally {
    if (!handedOver) lock.release();
  }
}

/** `run -d`, `start`: a detached supervisor starts the container and keeps it. */
export const runDetached = (deps: RuntimeDeps, record: ContainerRecord, lock: HeldLock): Promise<void> => spawnSupervisor(deps, record, lock);

/** Docker's word on ports that have nowhere to go: the container shares the host's network. */
function warnDiscardedPorts(ctx: CliContext, opts: RunOptions): void {
  if (opts.network.kind === 'host' && (opts.ports.length > 0 || opts.publishAll)) ctx.err('WARNING: Published ports are discarded when using host network mode\n');
}

async function run(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const opts = runOptionsFromArgs(args, { env: ctx.env, cwd: ctx.cwd });
  warnDiscardedPorts(ctx, opts);
  const deps = await reconciledDeps(ctx);
  const { record, lock } = await create(deps, opts);
  if (!opts.detach) return runAttached(deps, record, lock, args.bool('interactive'));
  await runDetached(deps, record, lock);
  ctx.out(`${record.config.id}\n`);
  return 0;
}

async function createOnly(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const opts = runOptionsFromArgs(args, { env: ctx.env, cwd: ctx.cwd });
  warnDiscardedPorts(ctx, opts);
  const deps = await reconciledDeps(ctx);
  const { record, lock } = await create(deps, opts);
  lock.release();
  ctx.out(`${record.config.id}\n`);
  return 0;
}

/**
 * The detached supervisor: fd 3 is the container's lock (inherited, held as long as this process
 * lives), fd 4 the socket to the `berth` waiting for "ok". With --delay-ms the container is between
 * two runs ("restarting") and is started after that backoff.
 */
async function supervise(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const LOCK_FD = 3;
  const READY_FD = 4;
  void LOCK_FD; // held, never closed: the kernel releases it when this process ends
  const deps = depsOf(ctx);
  const rec = await deps.containers.load(args.positionals[0] ?? '');
  if (rec === undefined) return 1;
  const stdio = ['ignore', 'pipe', 'pipe'] as const;
  const delay = args.string('delay-ms');
  if (delay !== undefined) {
    writeSync(READY_FD, 'ok');
    closeSync(READY_FD);
    if (rec.state.status !== 'restarting') return 1;
    await superviseWithRestarts(deps, rec, { record: rec, delayMs: Number(delay) }, stdio);
    return 0;
  }
  let started;
  try {
    started = await startContainer(deps, rec, stdio);
  } catch (err) {
    const failure = startFailure(err);
    await recordStartFailure(deps, rec, failure);
    writeSync(READY_FD, JSON.stringify({ message: failure.message, exitCode: failure.exitCode }));
    return 1;
  }
  writeSync(READY_FD, 'ok');
  closeSync(READY_FD);
  await superviseWithRestarts(deps, rec, started, stdio);
  return 0;
}

/** The commands of this file. */
export const RUN_COMMANDS: readonly CommandDef[] = [
  { spec: RUN_SPEC, failureExit: EXIT_BERTH_ERROR, run },
  { spec: CREATE_SPEC, failureExit: EXIT_BERTH_ERROR, run: createOnly },
  {
    spec: {
      path: '__supervise', usage: '[--delay-ms N] ID', description: 'internal: supervises a detached container', minArgs: 1, maxArgs: 1,
      flags: [{ name: 'delay-ms', kind: 'string', help: 'The container is restarting: start it after this backoff' }],
    },
    run: supervise,
  },
];
