/**
 * `stop`, `kill`, `rm`, `pause`, `unpause`: each takes several containers and, like Docker, reports
 * each failure and goes on with the rest (exit 1 if any failed).
 */
import { existsSync } from 'node:fs';
import {
  ContainerError, type ContainerRecord, type RuntimeDeps, killContainer, parseSignal, pauseContainer,
  removeContainer, stopContainer, tryLock, unpauseContainer, waitUnattended,
} from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { CliError } from '../cli/errors';
import { EXIT_FAILURE } from '../cli/exit-codes';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

/** Runs `fn` on each named container, printing the name on success and Docker's error otherwise. */
async function eachContainer(ctx: CliContext, args: ParsedArgs, fn: (deps: RuntimeDeps, rec: ContainerRecord) => Promise<void>): Promise<number> {
  const deps = await reconciledDeps(ctx);
  let failed = false;
  for (const ref of args.positionals) {
    try {
      await fn(deps, await deps.containers.resolve(ref));
      ctx.out(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.err(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed ? EXIT_FAILURE : 0;
}

/** `-t, --time` of stop and restart: seconds, -1 for no limit. */
export function timeoutOf(args: ParsedArgs): number {
  const text = args.string('time') ?? '10';
  const t = Number(text);
  if (!Number.isInteger(t) || t < -1 || text.trim() === '') throw new CliError(`invalid argument "${text}" for "-t, --time" flag: must be a whole number of seconds`, { seeHelp: true });
  return t === -1 ? 365 * 24 * 3600 : t;
}

/** `rm`: a running container needs -f (SIGKILL, then wait for its supervisor to finish). */
async function remove(deps: RuntimeDeps, rec: ContainerRecord, force: boolean, volumes: boolean): Promise<void> {
  const live = rec.state.status === 'running' || rec.state.status === 'paused' || rec.state.status === 'restarting';
  if (live && !force) {
    throw new ContainerError(`You cannot remove a ${rec.state.status} container ${rec.config.id}. Stop the container before attempting removal or force remove`, 'conflict');
  }
  const dir = deps.containers.containerDir(rec.config.id);
  if (live) {
    await killContainer(deps, rec, 'SIGKILL');
    if (!(await waitUnattended(dir, 30_000))) throw new ContainerError(`container ${rec.config.id} did not exit after SIGKILL`, 'conflict');
  }
  // Hold the lock through the removal: a `start` must not take the container in between.
  const lock = tryLock(dir);
  if (lock === undefined) {
    if (!existsSync(dir)) return; // its supervisor removed it (--rm)
    throw new ContainerError(`container ${rec.config.id} is being started or removed by another berth`, 'conflict');
  }
  try {
    const now = await deps.containers.load(rec.config.id);
    if (now?.state.status === 'running' || now?.state.status === 'paused' || now?.state.status === 'restarting') {
      throw new ContainerError(`container ${rec.config.id} was started meanwhile; stop it first or use -f`, 'conflict');
    }
    if (now) await removeContainer(deps, now.config, { volumes });
  } finally {
    lock.release();
  }
}

const containers = (usage = 'CONTAINER [CONTAINER...]') => ({ usage, minArgs: 1 });

/** The commands of this file. */
export const CONTROL_COMMANDS: readonly CommandDef[] = [
  {
    spec: {
      path: 'stop', ...containers(), description: 'Stop one or more running containers', aliases: ['container stop'],
      flags: [{ name: 'time', short: 't', kind: 'string', valueType: 'int', help: 'Seconds to wait before killing the container', defaultText: '10' }],
    },
    run: (ctx, args) => { const t = timeoutOf(args); return eachContainer(ctx, args, (deps, rec) => stopContainer(deps, rec, t)); },
  },
  {
    spec: {
      path: 'kill', ...containers(), description: 'Kill one or more running containers', aliases: ['container kill'],
      flags: [{ name: 'signal', short: 's', kind: 'string', help: 'Signal to send to the container', defaultText: 'KILL' }],
    },
    run: (ctx, args) => { const s = parseSignal(args.string('signal') ?? 'KILL'); return eachContainer(ctx, args, (deps, rec) => killContainer(deps, rec, s)); },
  },
  {
    spec: {
      path: 'rm', ...containers(), description: 'Remove one or more containers', aliases: ['container rm', 'container remove'],
      flags: [
        { name: 'force', short: 'f', kind: 'bool', help: 'Force the removal of a running container (uses SIGKILL)' },
        { name: 'volumes', short: 'v', kind: 'bool', help: 'Remove anonymous volumes associated with the container' },
      ],
    },
    run: (ctx, args) => eachContainer(ctx, args, (deps, rec) => remove(deps, rec, args.bool('force'), args.bool('volumes'))),
  },
  {
    spec: { path: 'pause', ...containers(), description: 'Pause all processes within one or more containers', aliases: ['container pause'], flags: [] },
    run: (ctx, args) => eachContainer(ctx, args, pauseContainer),
  },
  {
    spec: { path: 'unpause', ...containers(), description: 'Unpause all processes within one or more containers', aliases: ['container unpause'], flags: [] },
    run: (ctx, args) => eachContainer(ctx, args, unpauseContainer),
  },
];
