/** `top` and `cp`: the processes of a container, and files in and out of it. */
import { posix } from 'node:path';
import { containerTop, copyFromContainer, copyIntoContainer, withContainerRoot } from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { CliError } from '../cli/errors';
import { EXIT_FAILURE } from '../cli/exit-codes';
import { formatTable } from '../cli/format/table';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

async function top(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const [ref, ...psArgs] = args.positionals as [string, ...string[]];
  const deps = await reconciledDeps(ctx);
  const result = await containerTop(deps, await deps.containers.resolve(ref), psArgs);
  // Docker's CLI lays `top` out with a tabwriter of minimum width 20.
  ctx.out(formatTable([result.titles, ...result.processes], 20));
  return 0;
}

/** Docker's splitCpArg: an absolute path or one starting with "." is local, else `CONTAINER:PATH`. */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon === -1 || arg.startsWith('.')) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

async function cp(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const [from, to] = (args.positionals as [string, string]).map(splitCpArg) as [ReturnType<typeof splitCpArg>, ReturnType<typeof splitCpArg>];
  if (from.container === undefined && to.container === undefined) throw new CliError('must specify at least one container source', { exitCode: EXIT_FAILURE });
  if (from.container !== undefined && to.container !== undefined) throw new CliError('copying between containers is not supported', { exitCode: EXIT_FAILURE });
  const local = from.container === undefined ? from : to;
  if (local.path === '-') throw new CliError('berth cp: tar streams ("-") are not supported; give a path', { exitCode: EXIT_FAILURE });
  if (local.path === '') throw new CliError('path must not be empty', { exitCode: EXIT_FAILURE });
  const hostPath = posix.resolve(ctx.cwd, local.path);
  const ref = (from.container ?? to.container)!;
  const deps = await reconciledDeps(ctx);
  const rec = await deps.containers.resolve(ref);
  await withContainerRoot(deps, rec, (root) => (from.container !== undefined
    ? copyFromContainer(root, ref, from.path, hostPath)
    : copyIntoContainer(root, ref, hostPath, to.path)));
  return 0;
}

/** The commands of this file. */
export const FILES_COMMANDS: readonly CommandDef[] = [
  {
    spec: {
      path: 'top', usage: 'CONTAINER [ps OPTIONS]', description: 'Display the running processes of a container', aliases: ['container top'],
      minArgs: 1, stopAtPositional: true, flags: [],
    },
    run: top,
  },
  {
    spec: {
      path: 'cp', usage: 'CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH', aliases: ['container cp'], minArgs: 2, maxArgs: 2, flags: [],
      description: 'Copy files/folders between a container and the local filesystem',
    },
    run: cp,
  },
];
