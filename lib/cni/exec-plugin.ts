/**
 * Executing a CNI plugin binary: the one process boundary shared by delegation (a plugin running its
 * IPAM) and the runtime (berth running a network's plugin chain). Both need the same ETXTBSY retry,
 * the same stderr handling and the same reading of a failed plugin's stdout as libcni's `pluginErr`.
 */
import type { ChildProcessWithoutNullStreams, SpawnOptionsWithoutStdio } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CniError, CniCode } from './errors';
import { parseResult } from './result-parse';
import type { Result } from './types';

/** How a plugin process ended and what it printed. */
export interface ExecOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** At most the first 64 KiB of stderr (it is also streamed to `onStderr` as it comes). */
  stderr: Buffer;
}

/** Starts a process; node:child_process `spawn` by default. Tests and netns-bound callers wrap it. */
export type SpawnFn = (file: string, args: readonly string[], opts: SpawnOptionsWithoutStdio) => ChildProcessWithoutNullStreams;

/** One execution of a plugin binary. */
export interface ExecRequest {
  /** Absolute path of the executable (from findPlugin). */
  file: string;
  stdin: Buffer;
  /** The complete environment of the child; nothing is inherited implicitly. */
  env: Record<string, string>;
  /** Where the plugin's stderr goes, chunk by chunk. */
  onStderr: (chunk: Buffer) => void;
  spawn?: SpawnFn;
}

/**
 * libcni retries "text file busy" (a binary being replaced while we exec it) 5 times, 1 s apart. We
 * retry as often with a doubling delay from 50 ms (1.55 s in all): an installer's write is usually
 * over within milliseconds, and an ADD should not stall a whole second for it.
 */
const ETXTBSY_RETRIES = 5;
const ETXTBSY_FIRST_DELAY_MS = 50;
/** Enough stderr to explain a failure without keeping a chatty plugin's whole log in memory. */
const MAX_STDERR_KEPT = 64 * 1024;
const MAX_SHOWN = 400;

/**
 * Runs the plugin once (retrying ETXTBSY) and reports how it ended; a non-zero exit is not an error
 * here, the caller reads it with pluginFailure.
 * @throws {CniError} 999 `failed to exec plugin "<file>": <errno>` when it could not be started
 */
export async function execPlugin(req: ExecRequest): Promise<ExecOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await execOnce(req);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ETXTBSY' && attempt < ETXTBSY_RETRIES) {
        await sleep(ETXTBSY_FIRST_DELAY_MS << attempt);
        continue;
      }
      throw new CniError(CniCode.Internal, `failed to exec plugin ${JSON.stringify(req.file)}: ${typeof code === 'string' ? code : (err as Error).message}`, {
        details: (err as Error).message,
        cause: err,
      });
    }
  }
}

/**
 * The child's environment: `base` without unset entries, then `overrides` on top. NODE_EXTRA_CA_CERTS
 * is dropped: Node parses that bundle at every start (~40 ms) and a plugin never makes TLS
 * connections, while start-up is a plugin's whole budget.
 */
export function pluginEnv(base: Readonly<Record<string, string | undefined>>, overrides: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && key !== 'NODE_EXTRA_CA_CERTS') env[key] = value;
  }
  return Object.assign(env, overrides);
}

/**
 * Reads a failed plugin's stdout as libcni's `pluginErr` does: the plugin's own error object when it
 * printed one (same code, msg and details), else 999 `netplugin failed: "<stderr>"` when stdout is
 * empty, else 999 saying the diagnostic could not be parsed.
 */
export function pluginFailure(file: string, o: ExecOutcome): CniError {
  const exit = o.signal !== null ? `killed by ${o.signal}` : `exit status ${o.code}`;
  const stdout = o.stdout.toString('utf8').trim();
  if (stdout === '') {
    return new CniError(CniCode.Internal, `netplugin failed: ${JSON.stringify(clip(o.stderr.toString('utf8').trim()))}`, {
      details: `${file}: ${exit}`,
    });
  }
  let parsed: unknown;
  let problem = 'not a CNI error object';
  try {
    parsed = JSON.parse(stdout);
  } catch (e) {
    problem = (e as Error).message;
  }
  const obj = parsed as { code?: unknown; msg?: unknown; details?: unknown } | null;
  if (typeof obj === 'object' && obj !== null && Number.isInteger(obj.code) && typeof obj.msg === 'string') {
    const details = typeof obj.details === 'string' && obj.details !== '' ? obj.details : undefined;
    return new CniError(obj.code as number, obj.msg, details === undefined ? {} : { details });
  }
  return new CniError(CniCode.Internal, `netplugin failed but error parsing its diagnostic message ${JSON.stringify(clip(stdout))}: ${problem}`, {
    details: `${file}: ${exit}`,
  });
}

/**
 * Reads an ADD's stdout as a result written in `confVersion` (a result without cniVersion is taken to
 * be in it, as libcni's `fixupResultVersion` does) and returns it in the current shape.
 * @throws {CniError} 6 `invalid result from plugin "<type>": ...` naming the problem
 */
export function decodePluginResult(type: string, stdout: Buffer, confVersion: string): Result {
  const label = `invalid result from plugin ${JSON.stringify(type)}`;
  let raw: unknown;
  try {
    raw = JSON.parse(stdout.toString('utf8'));
  } catch (e) {
    throw new CniError(CniCode.DecodingFailure, `${label}: ${(e as Error).message}`, {
      details: `stdout was ${JSON.stringify(clip(stdout.toString('utf8')))}`,
    });
  }
  return parseResult(raw, confVersion, { prefix: label, code: CniCode.DecodingFailure });
}

/** Cuts a plugin's output down to what fits in an error message. */
export function clip(s: string): string {
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}...` : s;
}

function execOnce(req: ExecRequest): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    // spawn throws synchronously for some exec errors (ETXTBSY among them) and emits 'error' for others.
    const spawn = req.spawn ?? childProcess().spawn;
    const child = spawn(req.file, [], { env: req.env, stdio: ['pipe', 'pipe', 'pipe'] } as SpawnOptionsWithoutStdio);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      req.onStderr(c);
      if (errBytes < MAX_STDERR_KEPT) {
        err.push(c);
        errBytes += c.length;
      }
    });
    // A plugin may exit without reading stdin; the EPIPE that follows is not our failure.
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    child.stdin.end(req.stdin);
  });
}

/**
 * node:child_process, loaded on first exec: it pulls in net and stream machinery (~9 ms) that a plugin
 * running its IPAM in-process, as bridge does with our host-local, never needs.
 */
function childProcess(): typeof import('node:child_process') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:child_process') as typeof import('node:child_process');
}
