/**
 * Errors the berth CLI expects and prints without a stack trace. A handler throws them; the dispatcher
 * turns them into Docker's text on stderr and an exit status (cli/exit-codes.ts).
 */
import { RuntimeError, type RuntimeErrorKind } from '../../../lib/runtime/errors';
import { EXIT_BERTH_ERROR, EXIT_FAILURE } from './exit-codes';

/** A failure with a message meant for the user and the exit status to end with. */
export class CliError extends Error {
  readonly exitCode: number;
  /** Append Docker's `See 'berth <command> --help'.` line. */
  readonly seeHelp: boolean;
  constructor(message: string, opts: { exitCode?: number; seeHelp?: boolean } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = opts.exitCode ?? EXIT_BERTH_ERROR;
    this.seeHelp = opts.seeHelp ?? false;
  }
}

/**
 * The command line itself is wrong (unknown flag, missing value, wrong number of arguments).
 * Printed as Docker prints cobra's errors: the message, then `See 'berth <command> --help'.`, and
 * with `usage` the command's Usage line and description too; always exit 125.
 */
export class UsageError extends CliError {
  /** The command path ("volume ls") for the See line. */
  readonly command: string;
  /** Usage block to print after the See line (Docker does for argument-count errors). */
  readonly usage: string | undefined;
  constructor(message: string, command: string, usage?: string) {
    super(message, { exitCode: EXIT_BERTH_ERROR, seeHelp: true });
    this.name = 'UsageError';
    this.command = command;
    this.usage = usage;
  }
}

/**
 * A refusal Docker reports from its daemon: printed as `Error response from daemon: <message>`,
 * exit 1 unless told otherwise (berth has no daemon; the wording is kept for scripts that match it).
 */
export class DaemonError extends CliError {
  constructor(message: string, opts: { exitCode?: number } = {}) {
    super(message, { exitCode: opts.exitCode ?? EXIT_FAILURE });
    this.name = 'DaemonError';
  }
}

/**
 * How each kind of runtime error is printed: `daemon`, what Docker reports as `Error response from
 * daemon: ...` (its daemon's refusals); `berth`, a limit the command line or this host cannot have,
 * which berth reports itself. Both end with the command's failure status (125 for run, 1 else).
 */
const RUNTIME_REPORT: Readonly<Record<RuntimeErrorKind, 'daemon' | 'berth'>> = {
  'not-found': 'daemon',
  conflict: 'daemon',
  invalid: 'daemon',
  forbidden: 'daemon',
  'in-use': 'daemon',
  unavailable: 'daemon',
  io: 'daemon',
  'invalid-limit': 'berth',
  unsupported: 'berth',
};

/**
 * The `Error response from daemon: ...` line for a refusal Docker's daemon would make (a DaemonError,
 * or a runtime error of a daemon kind); undefined for anything else. Commands that go on past a failed
 * argument (`rm a b`, `inspect a b`) print it and continue.
 */
export function daemonRefusalText(err: unknown): string | undefined {
  const daemon = err instanceof DaemonError || runtimeReport(err) === 'daemon';
  return daemon ? `Error response from daemon: ${(err as Error).message}\n` : undefined;
}

/** How a runtime error is reported; undefined for any other error. */
function runtimeReport(err: unknown): 'daemon' | 'berth' | undefined {
  return err instanceof RuntimeError ? RUNTIME_REPORT[(err as RuntimeError).kind] : undefined;
}

/** What the dispatcher prints for an error thrown by a handler, and the exit status. */
export interface ErrorReport {
  readonly text: string;
  readonly exitCode: number;
}

/**
 * Formats an error as Docker's CLI would. Known errors get their message only; an unexpected one gets
 * its message and a hint (or its stack with BERTH_DEBUG=1), never a bare stack trace.
 * @param command the command path, for the See line.
 * @param failureExit exit status of an expected error that carries none (Docker: 125 for run, 1 else).
 */
export function reportError(err: unknown, command: string, failureExit: number, debug: boolean): ErrorReport {
  const see = `See 'berth ${command === '' ? '' : `${command} `}--help'.`;
  if (err instanceof UsageError) {
    const usage = err.usage === undefined ? '' : `\n\n${err.usage}`;
    return { text: `${err.message}\nSee 'berth ${err.command} --help'.${usage}\n`, exitCode: err.exitCode };
  }
  if (err instanceof DaemonError) return { text: `Error response from daemon: ${err.message}\n`, exitCode: err.exitCode };
  if (err instanceof CliError) {
    return { text: `berth: ${err.message}${err.seeHelp ? `\n${see}` : ''}\n`, exitCode: err.exitCode };
  }
  const report = runtimeReport(err);
  if (report !== undefined) {
    const prefix = report === 'daemon' ? 'Error response from daemon: ' : 'berth: ';
    return { text: `${prefix}${(err as Error).message}\n`, exitCode: failureExit };
  }
  const message = err instanceof Error ? err.message : String(err);
  const detail = debug && err instanceof Error && err.stack ? `\n${err.stack}` : '\n(set BERTH_DEBUG=1 for the stack trace)';
  return { text: `berth: ${message}${detail}\n`, exitCode: failureExit };
}
