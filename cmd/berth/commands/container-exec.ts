/** `berth exec`: a command inside a running container, attached; its exit code is ours. */
import { execInContainer, exitCodeOf } from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { DaemonError } from '../cli/errors';
import { EXIT_BERTH_ERROR, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND } from '../cli/exit-codes';
import { InitError } from '../../../lib/runtime/container';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

async function exec(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const [ref, ...command] = args.positionals;
  const deps = await reconciledDeps(ctx);
  const rec = await deps.containers.resolve(ref!);
  const env = args.list('env').map((e) => (e.includes('=') ? e : `${e}=${ctx.env[e] ?? ''}`));
  let started;
  try {
    started = await execInContainer(deps, rec, { command, env, ...(args.string('workdir') ? { workingDir: args.string('workdir')! } : {}), ...(args.string('user') ? { user: args.string('user')! } : {}) }, [
      args.bool('interactive') ? 'inherit' : 'ignore', 'inherit', 'inherit',
    ]);
  } catch (err) {
    if (err instanceof InitError) {
      const code = err.failure.code === 'ENOENT' ? EXIT_NOT_FOUND : err.failure.code === 'EACCES' ? EXIT_CANNOT_INVOKE : EXIT_BERTH_ERROR;
      throw new DaemonError(`OCI runtime exec failed: ${err.message}: unknown`, { exitCode: code });
    }
    throw err;
  }
  const { code, signal } = await started.exit;
  return exitCodeOf(code, signal);
}

/** The commands of this file. */
export const EXEC_COMMANDS: readonly CommandDef[] = [{
  spec: {
    path: 'exec',
    usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
    description: 'Execute a command in a running container',
    aliases: ['container exec'],
    stopAtPositional: true,
    minArgs: 2,
    flags: [
      { name: 'env', short: 'e', kind: 'list', help: 'Set environment variables' },
      { name: 'user', short: 'u', kind: 'string', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
      { name: 'workdir', short: 'w', kind: 'string', help: 'Working directory inside the container' },
      { name: 'interactive', short: 'i', kind: 'bool', help: 'Keep STDIN open (passed to the command)' },
      { name: 'tty', short: 't', kind: 'bool', help: 'Accepted for compatibility; no pseudo-TTY is allocated' },
    ],
  },
  failureExit: EXIT_BERTH_ERROR,
  run: exec,
}];
