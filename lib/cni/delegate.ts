import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log';
import type { Env } from './env';
import { CniError, CniCode } from './errors';
import { findPlugin } from './find-plugin';
import { parseResult } from './result-parse';
import type { Result } from './types';
import { DEFAULT_CONFIG_VERSION } from './version';

/** The verbs a plugin delegates (VERSION is a runtime's probe, never delegated). */
export type DelegateCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/** Optional knobs for a delegation. */
export interface DelegateOptions {
  /** Where the delegate's stderr goes, chunk by chunk; default our own stderr (fd 2). */
  stderr?: (chunk: Buffer) => void;
  log?: Logger;
}

/**
 * libcni retries "text file busy" (a binary being replaced while we exec it) 5 times, 1 s apart. We
 * retry as often with a doubling delay from 50 ms (1.55 s in all): an installer's write is usually
 * over within milliseconds, and an ADD should not stall a whole second for it.
 */
const ETXTBSY_RETRIES = 5;
const ETXTBSY_FIRST_DELAY_MS = 50;
/** Enough stderr to explain a failure without keeping a chatty delegate's whole log in memory. */
const MAX_STDERR_KEPT = 64 * 1024;
const MAX_SHOWN = 400;

/**
 * Runs the plugin `type` from `paths` for `command`, as libcni's `DelegateAdd` and friends do: the same
 * environment with only CNI_COMMAND overridden (so CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS and
 * CNI_PATH are inherited), the complete stdin the caller received, and its stderr copied to ours.
 *
 * On exit 0, ADD's stdout is read as a result in the config's version (a result without cniVersion is
 * taken to be in it) and returned in the current shape; other verbs return undefined. On failure the
 * delegate's error object is rethrown with the same code, msg and details.
 * @throws {CniError} the delegate's own error; 999 `netplugin failed: "<stderr>"` when it printed
 *   nothing; 999 when its diagnostic cannot be parsed; 6 for an ADD result that cannot be decoded;
 *   7/4 from findPlugin
 */
export async function delegate(
  command: DelegateCommand,
  type: string,
  stdinData: Buffer | string,
  env: Env,
  paths: readonly string[],
  opts: DelegateOptions = {},
): Promise<Result | undefined> {
  const file = findPlugin(type, paths);
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    // Node parses the NODE_EXTRA_CA_CERTS bundle at every start (~40 ms) and a delegate never makes
    // TLS connections: a delegate is exec'd once per container, so start-up is its whole budget.
    if (value !== undefined && key !== 'NODE_EXTRA_CA_CERTS') childEnv[key] = value;
  }
  childEnv.CNI_COMMAND = command;
  opts.log?.debug({ delegate: file, delegateCommand: command }, 'delegating');

  const outcome = await execWithRetry(file, Buffer.from(stdinData), childEnv, opts.stderr ?? ((c) => void process.stderr.write(c)));
  if (outcome.code !== 0 || outcome.signal !== null) throw delegateError(file, outcome);
  if (command !== 'ADD') return undefined;
  return decodeDelegateResult(type, outcome.stdout, configVersion(stdinData));
}

/** ADD through a delegate (usually IPAM); returns its result in the current shape. */
export async function delegateAdd(type: string, stdinData: Buffer | string, env: Env, paths: readonly string[], opts?: DelegateOptions): Promise<Result> {
  return (await delegate('ADD', type, stdinData, env, paths, opts)) as Result;
}

/** DEL through a delegate. */
export async function delegateDel(type: string, stdinData: Buffer | string, env: Env, paths: readonly string[], opts?: DelegateOptions): Promise<void> {
  await delegate('DEL', type, stdinData, env, paths, opts);
}

/** CHECK through a delegate. */
export async function delegateCheck(type: string, stdinData: Buffer | string, env: Env, paths: readonly string[], opts?: DelegateOptions): Promise<void> {
  await delegate('CHECK', type, stdinData, env, paths, opts);
}

/** GC through a delegate (the spec requires forwarding GC to delegated plugins). */
export async function delegateGc(type: string, stdinData: Buffer | string, env: Env, paths: readonly string[], opts?: DelegateOptions): Promise<void> {
  await delegate('GC', type, stdinData, env, paths, opts);
}

/** STATUS through a delegate (the spec requires forwarding it and passing its error on). */
export async function delegateStatus(type: string, stdinData: Buffer | string, env: Env, paths: readonly string[], opts?: DelegateOptions): Promise<void> {
  await delegate('STATUS', type, stdinData, env, paths, opts);
}

interface ExecOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

async function execWithRetry(file: string, input: Buffer, env: Record<string, string>, onStderr: (c: Buffer) => void): Promise<ExecOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await execOnce(file, input, env, onStderr);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ETXTBSY' && attempt < ETXTBSY_RETRIES) {
        await sleep(ETXTBSY_FIRST_DELAY_MS << attempt);
        continue;
      }
      throw new CniError(CniCode.Internal, `failed to exec plugin ${JSON.stringify(file)}: ${typeof code === 'string' ? code : (err as Error).message}`, {
        details: (err as Error).message,
        cause: err,
      });
    }
  }
}

function execOnce(file: string, input: Buffer, env: Record<string, string>, onStderr: (c: Buffer) => void): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    // spawn throws synchronously for some exec errors (ETXTBSY among them) and emits 'error' for others.
    const child = childProcess().spawn(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let errBytes = 0;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      onStderr(c);
      if (errBytes < MAX_STDERR_KEPT) {
        err.push(c);
        errBytes += c.length;
      }
    });
    // A delegate may exit without reading stdin; the EPIPE that follows is not our failure.
    child.stdin.on('error', () => {});
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
    child.stdin.end(input);
  });
}

function delegateError(file: string, o: ExecOutcome): CniError {
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

function decodeDelegateResult(type: string, stdout: Buffer, confVersion: string): Result {
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

/** The cniVersion of the config being passed down ("0.1.0" when it has none, as libcni decides). */
function configVersion(stdinData: Buffer | string): string {
  try {
    const v = (JSON.parse(stdinData.toString()) as { cniVersion?: unknown } | null)?.cniVersion;
    return typeof v === 'string' && v !== '' ? v : DEFAULT_CONFIG_VERSION;
  } catch {
    return DEFAULT_CONFIG_VERSION;
  }
}

function clip(s: string): string {
  return s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}...` : s;
}

/**
 * node:child_process, loaded on first delegation: it pulls in net and stream machinery (~9 ms) that a
 * plugin running its IPAM in-process, as bridge does with our host-local, never needs.
 */
function childProcess(): typeof import('node:child_process') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('node:child_process') as typeof import('node:child_process');
}
