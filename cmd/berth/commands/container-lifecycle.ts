/**
 * `start`, `restart`, `wait`, `rename`: a stopped container runs again in its own directory (the
 * same writable layer, volumes, name and hostname; its network attached anew through the same CNI
 * chain, so the address is leased again and may differ, as Docker's without --ip), is waited for,
 * or renamed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ContainerRecord, type RuntimeDeps, clearManualStop, stopContainer, tryLock,
} from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { CliError, DaemonError } from '../cli/errors';
import { EXIT_FAILURE } from '../cli/exit-codes';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';
import { runAttached, runDetached } from './container-run';
import { timeoutOf } from './container-control';

const live = (rec: ContainerRecord): boolean => ['running', 'paused', 'restarting'].includes(rec.state.status);

/**
 * Starts a created or exited container (a manual start: the manual-stop mark and RestartCount are
 * reset, as Docker's). Detached, a supervisor keeps it; attached, this process does and the exit code
 * is returned. A live container is left as it is.
 */
async function startOne(deps: RuntimeDeps, ref: string, attach: boolean): Promise<number | undefined> {
  const rec = await deps.containers.resolve(ref);
  if (live(rec)) return undefined;
  const dir = deps.containers.containerDir(rec.config.id);
  const lock = tryLock(dir);
  if (lock === undefined) throw new DaemonError(`container ${rec.config.id} is being started or removed by another berth`);
  let handed = false;
  try {
    // Read it again under the lock: another `start` may have run it (and it may have exited) since.
    const current = await deps.containers.load(rec.config.id);
    if (current === undefined) throw new DaemonError(`No such container: ${ref}`);
    if (live(current)) return undefined;
    if (current.state.status !== 'created' && current.state.status !== 'exited') {
      throw new DaemonError(`container ${rec.config.id} is ${current.state.status}: it cannot be started`);
    }
    clearManualStop(dir);
    const state = { ...current.state, restartCount: 0, exitCode: 0, error: '' };
    await deps.containers.saveState(rec.config.id, state);
    handed = true;
    if (attach) return await runAttached(deps, { config: current.config, state }, lock, false);
    await runDetached(deps, { config: current.config, state }, lock);
    return undefined;
  } finally {
    if (!handed) lock.release();
  }
}

async function start(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const attach = args.bool('attach');
  if (attach && args.positionals.length > 1) throw new CliError('you cannot start and attach multiple containers at once', { exitCode: EXIT_FAILURE });
  const deps = await reconciledDeps(ctx);
  let failed = 0;
  for (const ref of args.positionals) {
    try {
      const code = await startOne(deps, ref, attach);
      if (attach) return code ?? 0;
      ctx.out(`${ref}\n`);
    } catch (err) {
      failed++;
      ctx.err(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  if (failed > 0) throw new CliError('failed to start containers', { exitCode: EXIT_FAILURE });
  return 0;
}

async function restart(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const timeout = timeoutOf(args);
  const deps = await reconciledDeps(ctx);
  let failed = false;
  for (const ref of args.positionals) {
    try {
      await stopContainer(deps, await deps.containers.resolve(ref), timeout);
      await startOne(deps, ref, false);
      ctx.out(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.err(`Error response from daemon: Cannot restart container ${ref}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? EXIT_FAILURE : 0;
}

/**
 * Docker's `wait` (condition "not-running"): at once for a container that is not running, else at its
 * next exit, even one its restart policy follows with a restart.
 */
async function waitOne(deps: RuntimeDeps, ref: string): Promise<number> {
  const first = await deps.containers.resolve(ref);
  if (!live(first)) return first.state.exitCode;
  for (;;) {
    await sleep(50);
    const now = await deps.containers.load(first.config.id);
    if (now === undefined) return first.state.exitCode; // removed (--rm) after its exit
    const { status, startedAt } = now.state;
    if (status === 'exited' || status === 'dead' || status === 'created') return now.state.exitCode;
    const anotherRun = startedAt !== first.state.startedAt;
    if (status === 'restarting' && (first.state.status !== 'restarting' || anotherRun)) return now.state.exitCode;
    if (status !== 'restarting' && anotherRun && first.state.status !== 'restarting') return now.state.exitCode;
  }
}

async function wait(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const deps = await reconciledDeps(ctx);
  let failed = false;
  for (const ref of args.positionals) {
    try {
      ctx.out(`${await waitOne(deps, ref)}\n`);
    } catch (err) {
      failed = true;
      ctx.err(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? EXIT_FAILURE : 0;
}

async function rename(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const [ref, newName] = args.positionals as [string, string];
  const deps = await reconciledDeps(ctx);
  const rec = await deps.containers.resolve(ref);
  await deps.containers.rename(rec.config.id, newName.trim());
  return 0;
}

/** The commands of this file. */
export const LIFECYCLE_COMMANDS: readonly CommandDef[] = [
  {
    spec: {
      path: 'start', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Start one or more stopped containers', aliases: ['container start'], minArgs: 1,
      flags: [{ name: 'attach', short: 'a', kind: 'bool', help: "Attach STDOUT/STDERR and return the container's exit code" }],
    },
    run: start,
  },
  {
    spec: {
      path: 'restart', usage: '[OPTIONS] CONTAINER [CONTAINER...]', description: 'Restart one or more containers', aliases: ['container restart'], minArgs: 1,
      flags: [{ name: 'time', short: 't', kind: 'string', valueType: 'int', help: 'Seconds to wait before killing the container', defaultText: '10' }],
    },
    run: restart,
  },
  {
    spec: { path: 'wait', usage: 'CONTAINER [CONTAINER...]', description: 'Block until one or more containers stop, then print their exit codes', aliases: ['container wait'], minArgs: 1, flags: [] },
    run: wait,
  },
  {
    // For a boot-time unit (contrib/systemd): the clean-up every command runs, which once per boot
    // starts the containers whose restart policy brings them back.
    spec: { path: '__reconcile', usage: '', description: 'internal: clean up after crashes and start the containers of this boot', maxArgs: 0, flags: [] },
    run: async (ctx) => { await reconciledDeps(ctx); return 0; },
  },
  {
    spec: { path: 'rename', usage: 'CONTAINER NEW_NAME', description: 'Rename a container', aliases: ['container rename'], minArgs: 2, maxArgs: 2, flags: [] },
    run: rename,
  },
];
