import fs from 'node:fs';
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

/**
 * The real process: process.env, fd 0, fd 1 and fd 2, read and written with plain fs calls. A plugin
 * lives for one request, and touching process.stdin/stdout builds stream objects (and loads the net
 * and tty modules) for ~10 ms of start-up that a single read and a single write do not need.
 */
export function processIO(): PluginIO {
  return {
    env: process.env,
    stdin: async () => readAll(0),
    stdout: (s) => writeAll(1, s),
    stderr: (s) => writeAll(2, s),
  };
}

/** All of `fd` up to EOF. A terminal means nobody piped a config (someone typed
 * `CNI_COMMAND=VERSION ./bridge`): do not wait for them to type one. */
function readAll(fd: number): Buffer {
  try {
    if (fs.fstatSync(fd).isCharacterDevice()) return Buffer.alloc(0);
  } catch {
    return Buffer.alloc(0); // fd 0 closed: no input
  }
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (err) {
      // A non-blocking pipe handed over by the parent: wait for data rather than fail.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { pause(); continue; }
      throw err;
    }
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
}

/** Writes all of `s`, retrying short writes and EAGAIN on a non-blocking pipe. */
function writeAll(fd: number, s: string): void {
  let buf = Buffer.from(s);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(fs.writeSync(fd, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      pause();
    }
  }
}

/** A 1 ms synchronous pause for the rare non-blocking descriptor; Atomics.wait sleeps without spinning. */
function pause(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
}
