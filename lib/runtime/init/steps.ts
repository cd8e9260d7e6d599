/**
 * How the init reports: each step runs under a name; the first failure is written to the sync
 * socket as an {@link InitFailure} and the init exits. Success is EXEC_MARK then silence: the socket
 * is close-on-exec, so the parent reads end-of-file once execve succeeded.
 */
import { readdirSync, writeSync } from 'node:fs';
import { execve, setCloseOnExec } from '../../sys';
import { ExecutableError, findExecutable } from './find-executable';
import { EXEC_MARK, type InitFailure, SYNC_FD } from './spec';

/** A step that failed, carrying its name to the report. */
export class InitStepError extends Error {
  readonly step: string;
  readonly code: string | undefined;
  constructor(step: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'InitStepError';
    this.step = step;
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** Runs one named step of the init sequence. */
export function step<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof InitStepError ? err : new InitStepError(name, err);
  }
}

/** Resolves the command in the container's PATH and execve()s it. */
export function execCommand(command: readonly string[], env: readonly string[], cwd: string): never {
  const [name, ...args] = command;
  const path = step('find the command', () => {
    if (name === undefined) throw new ExecutableError('no command specified', 'ENOENT');
    return findExecutable(name, env, cwd);
  });
  step('pass stdio on', () => {
    // Node marks every inherited descriptor 0-16 close-on-exec at start-up: without this the
    // command would start with no stdin, stdout or stderr.
    for (const fd of [0, 1, 2]) setCloseOnExec(fd, false);
    // Nothing else crosses into the container, whatever berth's own caller leaked to it (runc
    // closes the same way). The sync socket is among them: closing it on exec is the success signal.
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd > 2) {
        try { setCloseOnExec(fd, true); } catch { /* the listing's own descriptor, closed already */ }
      }
    }
  });
  step('tell the parent', () => writeSync(SYNC_FD, `${EXEC_MARK}\n`));
  return step('execve', () => execve(path, [name!, ...args], env));
}

/** Writes the failure to the parent (best effort: it may be gone). */
export function reportFailure(err: unknown): void {
  const failure: InitFailure = err instanceof InitStepError
    ? { step: err.step, error: err.message, ...(err.code === undefined ? {} : { code: err.code }) }
    : { step: 'init', error: err instanceof Error ? err.message : String(err) };
  try {
    writeSync(SYNC_FD, `${JSON.stringify(failure)}\n`);
  } catch {
    // The parent is gone; nobody is left to tell.
  }
}
