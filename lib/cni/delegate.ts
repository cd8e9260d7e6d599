import type { Logger } from '../log';
import { isBerthPlugin } from './berth-plugin';
import type { Env } from './env';
import { decodePluginResult, execPlugin, pluginEnv, pluginFailure } from './exec-plugin';
import { findPlugin } from './find-plugin';
import { runInProcess, type InProcessPlugin } from './in-process-plugin';
import type { Result } from './types';
import { DEFAULT_CONFIG_VERSION } from './version';

/** The verbs a plugin delegates (VERSION is a runtime's probe, never delegated). */
export type DelegateCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/** Optional knobs for a delegation. */
export interface DelegateOptions {
  /** Where the delegate's stderr goes, chunk by chunk; default our own stderr (fd 2). */
  stderr?: (chunk: Buffer) => void;
  log?: Logger;
  /**
   * The caller's bundled copy of the delegate: used instead of an exec when the file CNI_PATH names
   * for `type` is berth's own build of `inProcess.info.name` (lib/cni/in-process-plugin).
   */
  inProcess?: InProcessPlugin;
}

/**
 * Runs the plugin `type` from `paths` for `command`, as libcni's `DelegateAdd` and friends do (in this
 * process when `opts.inProcess` is that very plugin): the same
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
  const childEnv = pluginEnv(env, { CNI_COMMAND: command });
  opts.log?.debug({ delegate: file, delegateCommand: command }, 'delegating');

  const onStderr = opts.stderr ?? ((c: Buffer) => void process.stderr.write(c));
  const stdin = Buffer.from(stdinData);
  const outcome = opts.inProcess && isBerthPlugin(file, opts.inProcess.info.name)
    ? await runInProcess(opts.inProcess, { stdin, env: childEnv, onStderr, ...(opts.log ? { log: opts.log } : {}) })
    : await execPlugin({ file, stdin, env: childEnv, onStderr });
  if (outcome.code !== 0 || outcome.signal !== null) throw pluginFailure(file, outcome);
  if (command !== 'ADD') return undefined;
  return decodePluginResult(type, outcome.stdout, configVersion(stdinData));
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

/** The cniVersion of the config being passed down ("0.1.0" when it has none, as libcni decides). */
function configVersion(stdinData: Buffer | string): string {
  try {
    const v = (JSON.parse(stdinData.toString()) as { cniVersion?: unknown } | null)?.cniVersion;
    return typeof v === 'string' && v !== '' ? v : DEFAULT_CONFIG_VERSION;
  } catch {
    return DEFAULT_CONFIG_VERSION;
  }
}
