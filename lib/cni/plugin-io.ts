import type { Logger } from '../log';
import type { Env } from './env';

/**
 * The process boundary of a plugin, injectable so unit tests drive the dispatcher with a map and
 * buffers (as skel's dispatcher takes Getenv, Stdin, Stdout and Stderr).
 */
export interface PluginIO {
  env: Env;
  /** All of stdin. */
  stdin: () => Promise<Buffer>;
  /** The protocol channel: results and error objects only. */
  stdout: (s: string) => void;
  /** Human text (the about banner). Logs go through the logger, which also writes to stderr. */
  stderr: (s: string) => void;
  /** A logger to use instead of a new one on fd 2 (tests pass a silent one). */
  log?: Logger;
}

/** The real process: process.env, fd 0, fd 1 and fd 2. */
export function processIO(): PluginIO {
  return {
    env: process.env,
    stdin: readProcessStdin,
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
  };
}

async function readProcessStdin(): Promise<Buffer> {
  // A terminal means nobody piped a config (someone typed CNI_COMMAND=VERSION ./bridge): do not wait
  // for them to type one.
  if (process.stdin.isTTY) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
