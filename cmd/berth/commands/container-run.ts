/**
 * `berth run`, `berth create`, `berth start`, and the hidden `__supervise` that `run -d` leaves
 * behind. Attached, the `berth run` process itself supervises the container (its exit code is the
 * container's, signals are forwarded as Docker's sig-proxy does); detached, a copy of berth started
 * in its own session takes the container's lock over and supervises it, and `run` returns once the
 * command runs.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import {
  type ContainerRecord, type HeldLock, InitError, type RuntimeDeps, createContainer, removeContainer, startContainer,
  superviseContainer, tryLock,
} from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { CliError, DaemonError } from '../cli/errors';
import { EXIT_BERTH_ERROR, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND } from '../cli/exit-codes';
import { randomName } from '../cli/names';
import { CREATE_SPEC, RUN_SPEC } from '../cli/run-flags';
import { type RunOptions, runOptionsFromArgs } from '../cli/run-options';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { depsOf, executableDir, reconciledDeps } from './container-deps';

/** Docker's exit status for a start that failed: 127 command not found, 126 not executable, else 125. */
function startFailure(err: unknown): CliError {
  if (err instanceof InitError) {
    const code = err.failure.code === 'ENOENT' && err.failure.step === 'find the command' ? EXIT_NOT_FOUND
      : err.failure.code === 'EACCES' ? EXIT_CANNOT_INVOKE : EXIT_BERTH_ERROR;
    return new DaemonError(`failed to create task for container: ${err.message}: unknown`, { exitCode: code });
  }
  if (err instanceof CliError) return err;
  return new DaemonError(err instanceof Error ? err.message : String(err), { exitCode: EXIT_BERTH_ERROR });
}

/** Records a failed start as Docker does (status stays "created", the error kept), or removes it with --rm. */
async function recordStartFailure(deps: RuntimeDeps, rec: ContainerRecord, err: CliError): Promise<void> {
  if (rec.config.autoRemove) {
    await removeContainer(deps, rec.config, { volumes: true }).catch(() => {});
    return;
  }
  await deps.containers.saveState(rec.config.id, { ...rec.state, status: 'created', error: err.message, exitCode: err.exitCode }).catch(() => {});
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
    ...(opts.userns ? { userns: opts.userns } : {}),
    ...(opts.dns ? { dns: opts.dns } : {}),
    ...(opts.extraHosts ? { extraHosts: opts.extraHosts } : {}),
    ...(opts.networkAliases ? { networkAliases: opts.networkAliases } : {}),
  });
}

/** Runs attached: this process supervises; returns the container's exit code. */
/**
 * Our stdout or stderr going away (`berth run ... | head -1`) must not end the supervision: the
 * container runs on, its output still reaches the json log, only the echo stops.
 */
function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

async function runAttached(deps: RuntimeDeps, record: ContainerRecord, lock: HeldLock, interactive: boolean): Promise<number> {
  tolerateClosedOutput();
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
    try {
      return await superviseContainer(deps, record, started);
    } finally {
      for (const [s, h] of handlers) process.off(s, h);
    }
  } finally {
    lock.release();
  }
}

/**
 * Hands the container to a detached supervisor (`berth __supervise ID`) that inherits the lock, and
 * waits for its word: "ok" once the command runs, or the start's error.
 */
async function runDetached(deps: RuntimeDeps, record: ContainerRecord, lock: HeldLock): Promise<void> {
  const dir = deps.containers.containerDir(record.config.id);
  const supervisorLog = openSync(join(dir, 'supervisor.log'), 'a', 0o600);
  try {
    const child = spawn(process.execPath, [join(executableDir(), 'berth'), '__supervise', record.config.id], {
      detached: true,
      stdio: ['ignore', supervisorLog, supervisorLog, lock.fd, 'pipe'],
      env: process.env,
    });
    const reply = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const sock = child.stdio[4] as Socket;
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.once('end', () => resolve(Buffer.concat(chunks).toString('utf8').trim()));
      child.once('error', reject);
    });
    child.unref();
    (child.stdio[4] as Socket).destroy();
    if (reply === 'ok') return;
    const failure = reply === '' ? { message: 'the supervisor exited before starting the container', exitCode: EXIT_BERTH_ERROR } : JSON.parse(reply) as { message: string; exitCode: number };
    throw new DaemonError(failure.message, { exitCode: failure.exitCode });
  } finally {
    closeSync(supervisorLog);
    lock.release(); // the supervisor's copy of the descriptor keeps the lock held
  }
}

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

async function start(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const deps = await reconciledDeps(ctx);
  let failed = 0;
  for (const ref of args.positionals) {
    try {
      const rec = await deps.containers.resolve(ref);
      if (rec.state.status === 'running' || rec.state.status === 'paused') {
        ctx.out(`${ref}\n`);
        continue;
      }
      if (rec.state.status !== 'created') throw new DaemonError(`container ${rec.config.id} has exited; berth starts only created containers (run a new one)`);
      const lock = tryLock(deps.containers.containerDir(rec.config.id));
      if (lock === undefined) throw new DaemonError(`container ${rec.config.id} is being started by another berth`);
      // Read it again under the lock: another `start` may have run it (and it may have exited) since.
      const current = await deps.containers.load(rec.config.id);
      if (current === undefined || current.state.status !== 'created') {
        lock.release();
        throw new DaemonError(`container ${rec.config.id} was started by another berth meanwhile`);
      }
      await runDetached(deps, current, lock);
      ctx.out(`${ref}\n`);
    } catch (err) {
      failed++;
      ctx.err(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (failed > 0) throw new CliError('failed to start containers', { exitCode: 1 });
  return 0;
}

/**
 * The detached supervisor: fd 3 is the container's lock (inherited, held as long as this process
 * lives), fd 4 the socket to the `berth run` waiting for "ok".
 */
async function supervise(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const LOCK_FD = 3;
  const READY_FD = 4;
  void LOCK_FD; // held, never closed: the kernel releases it when this process ends
  const deps = depsOf(ctx);
  const rec = await deps.containers.load(args.positionals[0] ?? '');
  if (rec === undefined) return 1;
  let started;
  try {
    started = await startContainer(deps, rec, ['ignore', 'pipe', 'pipe']);
  } catch (err) {
    const failure = startFailure(err);
    await recordStartFailure(deps, rec, failure);
    writeSync(READY_FD, JSON.stringify({ message: failure.message, exitCode: failure.exitCode }));
    return 1;
  }
  writeSync(READY_FD, 'ok');
  closeSync(READY_FD);
  await superviseContainer(deps, rec, started);
  return 0;
}

/** The commands of this file. */
export const RUN_COMMANDS: readonly CommandDef[] = [
  { spec: RUN_SPEC, failureExit: EXIT_BERTH_ERROR, run },
  { spec: CREATE_SPEC, failureExit: EXIT_BERTH_ERROR, run: createOnly },
  {
    spec: { path: 'start', usage: 'CONTAINER [CONTAINER...]', description: 'Start one or more created containers', flags: [], aliases: ['container start'], minArgs: 1 },
    run: start,
  },
  {
    spec: { path: '__supervise', usage: 'ID', description: 'internal: supervises a detached container', flags: [], minArgs: 1, maxArgs: 1 },
    run: supervise,
  },
];
