/** `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the host ports a running container's ports are published on. */
import type { ParsedArgs } from '../cli/args';
import { CliError } from '../cli/errors';
import { EXIT_FAILURE } from '../cli/exit-codes';
import { portLines } from '../cli/ports-view';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

async function port(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const [ref, privatePort] = args.positionals as [string, string | undefined];
  if (privatePort !== undefined && !/^\d{1,5}(\/[A-Za-z]+)?$/.test(privatePort)) {
    throw new CliError(`invalid port (${privatePort}): want PRIVATE_PORT[/PROTO]`, { exitCode: EXIT_FAILURE });
  }
  const deps = await reconciledDeps(ctx);
  const rec = await deps.containers.resolve(ref);
  const lines = portLines(rec, privatePort);
  if (lines === undefined) {
    const key = privatePort!.includes('/') ? privatePort! : `${privatePort}/tcp`;
    throw new CliError(`No public port '${key}' published for ${ref}`, { exitCode: EXIT_FAILURE });
  }
  ctx.out(lines.map((l) => `${l}\n`).join(''));
  return 0;
}

/** The commands of this file. */
export const PORT_COMMANDS: readonly CommandDef[] = [{
  spec: {
    path: 'port',
    usage: 'CONTAINER [PRIVATE_PORT[/PROTO]]',
    description: 'List port mappings or a specific mapping for the container',
    aliases: ['container port'],
    minArgs: 1,
    maxArgs: 2,
    flags: [],
  },
  run: port,
}];
