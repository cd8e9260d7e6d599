/**
 * The runtime side of CNI, as libcni's `CNIConfig` does it: run a configuration list's plugin chain
 * for ADD, CHECK and DEL, keep the result cache, and drive GC and STATUS. berth's CLI attaches
 * containers through it exactly as containerd and podman do through libcni.
 * @see https://github.com/containernetworking/cni/blob/main/libcni/api.go
 */
import { CniError, isCniError } from '../errors';
import { decodePluginResult, execPlugin, pluginEnv, pluginFailure, type SpawnFn } from '../exec-plugin';
import { findPlugin } from '../find-plugin';
import type { Result } from '../types';
import { versionAtLeast } from '../version';
import type { NetworkConfigList } from './conf-list';
import { CniRuntimeError } from './errors';
import { cniEnv, pluginStdin, validateRuntimeConf, type RuntimeConf } from './plugin-request';
import { ResultCache, type CachedAttachment } from './result-cache';
import { DEFAULT_CNI_DIR } from '../../paths';
import { BestEffort } from '../../util';

/** Where plugins and the cache live, and what environment plugins inherit. */
export interface CniRuntimeOptions {
  /** Directories searched for plugin executables, in order; also passed as CNI_PATH. */
  pluginPaths: readonly string[];
  /** Default /var/lib/cni; results under `<cacheDir>/results`. */
  cacheDir?: string;
  /** Base environment of every plugin; default process.env without its CNI_* variables. */
  env?: Record<string, string | undefined>;
  /** Where plugins' stderr goes, chunk by chunk; default our stderr. */
  stderr?: (chunk: Buffer) => void;
  /**
   * Starts plugin processes (node:child_process `spawn` by default). The seam libcni calls `Exec`: a
   * caller can start plugins inside another netns (spawn under `withNetns`) or record them.
   */
  spawn?: SpawnFn;
}

type Verb = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';
const VERB_LABEL: Record<Verb, string> = { ADD: 'add', DEL: 'delete', CHECK: 'check', GC: 'gc', STATUS: 'status' };

/** Runs configuration lists' plugin chains (libcni's CNIConfig). */
export class CniRuntime {
  private readonly paths: readonly string[];
  private readonly cache: ResultCache;
  private readonly env: Record<string, string | undefined>;
  private readonly stderr: (chunk: Buffer) => void;
  private readonly spawn: SpawnFn | undefined;

  constructor(opts: CniRuntimeOptions) {
    this.paths = [...opts.pluginPaths];
    this.cache = new ResultCache(opts.cacheDir ?? DEFAULT_CNI_DIR);
    this.env = opts.env ?? withoutCniVars(process.env);
    this.stderr = opts.stderr ?? ((c) => void process.stderr.write(c));
    this.spawn = opts.spawn;
  }

  /**
   * ADD: each plugin in list order, each given the previous one's result as `prevResult`. On success
   * the final result is cached (atomically) and returned in the current shape. A failed ADD leaves
   * no cache entry; as the spec says, the caller must still DEL.
   * @throws {CniError} the failing plugin's error (its code), message prefixed `plugin type="x" failed (add): `
   * @throws {CniRuntimeError} `failed to set network "x" cached result: ...`
   */
  async addNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<Result> {
    validateRuntimeConf(list.name, rt);
    if (list.plugins.length === 0) throw new CniRuntimeError(`network ${JSON.stringify(list.name)} has no plugins`);
    let result: Result | undefined;
    for (const plugin of list.plugins) {
      const stdout = await this.run('ADD', plugin, pluginStdin(list, plugin, { prevResult: result, rt }), rt);
      result = this.decode(plugin, stdout, list.cniVersion);
    }
    const final = result as Result;
    try {
      await this.cache.write(attachment(list, rt, final), list.cniVersion);
    } catch (err) {
      throw new CniRuntimeError(`failed to set network ${JSON.stringify(list.name)} cached result: ${(err as Error).message}`, { cause: err });
    }
    return final;
  }

  /**
   * DEL: each plugin in reverse order, each given the cached final ADD result as `prevResult` (lists
   * of version 0.4.0 or later). An undecodable cache entry is deleted and DEL goes on without it. The
   * entry is removed once every plugin succeeded.
   * @throws {CniError} the failing plugin's error, prefixed `plugin type="x" failed (delete): `
   */
  async delNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    validateRuntimeConf(list.name, rt);
    let prevResult: Result | undefined;
    if (versionAtLeast(list.cniVersion, '0.4.0')) {
      try {
        prevResult = (await this.cache.read(list.name, rt.containerId, rt.ifName))?.result;
      } catch {
        await this.cache.remove(list.name, rt.containerId, rt.ifName).catch(() => undefined);
      }
    }
    for (const plugin of [...list.plugins].reverse()) {
      await this.run('DEL', plugin, pluginStdin(list, plugin, { prevResult, rt }), rt);
    }
    // libcni ignores a failure here too: the attachment is gone, a stale file only costs a GC DEL.
    await this.cache.remove(list.name, rt.containerId, rt.ifName).catch(() => undefined);
  }

  /**
   * CHECK: each plugin in list order with the cached result as `prevResult`. Succeeds at once when the
   * list sets `disableCheck`.
   * @throws {CniRuntimeError} `configuration version "x" does not support the CHECK command` below 0.4.0
   * @throws {CniError} the failing plugin's error, prefixed `plugin type="x" failed (check): `
   */
  async checkNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    if (!versionAtLeast(list.cniVersion, '0.4.0')) {
      throw new CniRuntimeError(`configuration version ${JSON.stringify(list.cniVersion)} does not support the CHECK command`);
    }
    if (list.disableCheck) return;
    validateRuntimeConf(list.name, rt);
    let cached: CachedAttachment | undefined;
    try {
      cached = await this.cache.read(list.name, rt.containerId, rt.ifName);
    } catch (err) {
      throw new CniRuntimeError(`failed to get network ${JSON.stringify(list.name)} cached result: ${(err as Error).message}`, { cause: err });
    }
    for (const plugin of list.plugins) {
      await this.run('CHECK', plugin, pluginStdin(list, plugin, { prevResult: cached?.result, rt }), rt);
    }
  }

  /**
   * GC, as libcni's GCNetworkList: nothing when `disableGC`; otherwise a full DEL (with the cached
   * netns, CNI_ARGS and capability args) of every cached attachment of this network not in `valid`
   * (all of them when `valid` is undefined), then, for lists of 1.1.0 or later, GC to every plugin
   * with `cni.dev/valid-attachments` (and the spec tag's `cni.dev/attachments`) when `valid` is given.
   * Goes on after errors and throws them all at the end. Callers must not run ADD or DEL meanwhile.
   * @throws {CniError} the one failure, or {CniRuntimeError} with `errors` when there were several
   */
  async gcNetworkList(list: NetworkConfigList, valid?: readonly { containerId: string; ifName: string }[]): Promise<void> {
    if (list.disableGC) return;
    let cached: CachedAttachment[];
    try {
      cached = await this.cache.list(list.name);
    } catch {
      return; // libcni: an unreadable cache directory ends GC quietly
    }
    const keep = new Set((valid ?? []).map((a) => `${a.containerId}\0${a.ifName}`));
    const steps = new BestEffort();
    for (const att of cached) {
      if (valid && keep.has(`${att.containerId}\0${att.ifName}`)) continue;
      const rt: RuntimeConf = { containerId: att.containerId, netns: att.netns, ifName: att.ifName };
      if (att.cniArgs) rt.args = att.cniArgs;
      if (att.capabilityArgs) rt.capabilityArgs = att.capabilityArgs;
      await steps.attempt(() => this.delNetworkList(list, rt).catch((err: unknown) => {
        throw prefixed(err, `failed to delete stale attachment ${att.containerId} ${att.ifName}: `);
      }));
    }
    if (versionAtLeast(list.cniVersion, '1.1.0')) {
      const attachments = valid?.map((a) => ({ containerID: a.containerId, ifname: a.ifName }));
      const inject = attachments ? { 'cni.dev/valid-attachments': attachments, 'cni.dev/attachments': attachments } : {};
      for (const plugin of list.plugins) {
        await steps.attempt(() => this.run('GC', plugin, pluginStdin(list, plugin, { inject }), undefined));
      }
    }
    steps.throwIfFailed((errors) => new CniRuntimeError(errors.map((e) => (e as Error).message).join('\n'), { errors: errors as Error[] }));
  }

  /**
   * STATUS to each plugin in order, stopping at the first error (its code is the answer: 50, 51...).
   * Lists older than 1.1.0 have no STATUS: success.
   * @throws {CniError} the plugin's error, prefixed `plugin type="x" failed (status): `
   */
  async statusNetworkList(list: NetworkConfigList): Promise<void> {
    if (!versionAtLeast(list.cniVersion, '1.1.0')) return;
    for (const plugin of list.plugins) {
      await this.run('STATUS', plugin, pluginStdin(list, plugin), undefined);
    }
  }

  /**
   * The cached ADD of one attachment, undefined when there is none.
   * @throws {CniRuntimeError} for an entry that cannot be decoded; {CniError} (3, 4, 7) for bad names
   */
  async getCachedResult(networkName: string, containerId: string, ifName: string): Promise<CachedAttachment | undefined> {
    validateRuntimeConf(networkName, { containerId, ifName, netns: '' });
    return this.cache.read(networkName, containerId, ifName);
  }

  /** Every cached attachment (of one network when named), sorted by file name; undecodable entries skipped. */
  async listCachedAttachments(networkName?: string): Promise<CachedAttachment[]> {
    return this.cache.list(networkName);
  }

  /** Finds and runs one plugin; returns its stdout, or throws its error tagged with the plugin. */
  private async run(verb: Verb, plugin: Record<string, unknown>, stdin: Buffer, rt: RuntimeConf | undefined): Promise<Buffer> {
    const prefix = verb === 'GC' ? `failed to GC plugin ${String(plugin.type)}: ` : `plugin ${describe(plugin)} failed (${VERB_LABEL[verb]}): `;
    try {
      const file = findPlugin(plugin.type as string, this.paths);
      const outcome = await execPlugin({
        file,
        stdin,
        env: pluginEnv(this.env, cniEnv(verb, rt, this.paths)),
        onStderr: this.stderr,
        ...(this.spawn ? { spawn: this.spawn } : {}),
      });
      if (outcome.code !== 0 || outcome.signal !== null) throw pluginFailure(file, outcome);
      return outcome.stdout;
    } catch (err) {
      throw prefixed(err, prefix);
    }
  }

  private decode(plugin: Record<string, unknown>, stdout: Buffer, cniVersion: string): Result {
    try {
      return decodePluginResult(plugin.type as string, stdout, cniVersion);
    } catch (err) {
      throw prefixed(err, `plugin ${describe(plugin)} failed (add): `);
    }
  }
}

/** libcni's pluginDescription: `type="bridge"`, plus the plugin object's own `name` if it has one. */
function describe(plugin: Record<string, unknown>): string {
  const name = typeof plugin.name === 'string' && plugin.name !== '' ? ` name=${JSON.stringify(plugin.name)}` : '';
  return `type=${JSON.stringify(plugin.type)}${name}`;
}

/** The same error with context in front; a CniError keeps its code and details. */
function prefixed(err: unknown, prefix: string): Error {
  if (isCniError(err)) return new CniError(err.code, `${prefix}${err.message}`, { ...(err.details ? { details: err.details } : {}), cause: err });
  const e = err as Error;
  return new CniRuntimeError(`${prefix}${e.message}`, { cause: err });
}

function attachment(list: NetworkConfigList, rt: RuntimeConf, result: Result): CachedAttachment {
  const att: CachedAttachment = { containerId: rt.containerId, ifName: rt.ifName, networkName: list.name, netns: rt.netns, config: list.bytes, result };
  if (rt.args) att.cniArgs = rt.args;
  if (rt.capabilityArgs) att.capabilityArgs = rt.capabilityArgs;
  return att;
}

function withoutCniVars(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('CNI_')));
}
