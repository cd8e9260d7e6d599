/**
 * A delegate run in this process. When the plugin CNI_PATH would exec for a delegated verb is berth's
 * own build of it, a plugin that bundles the same code (overlay bundles bridge) runs it through the
 * same dispatcher with the same stdin and environment instead of starting a second Node (~40 ms, most
 * of a plugin's cost). The outcome is what the exec would have printed, read by the same code, so
 * both ways return the same result and the same error; a reference binary put in its place is exec'd.
 */
import type { Logger } from '../log';
import { runPlugin, type PluginInfo } from './dispatcher';
import type { ExecOutcome } from './exec-plugin';
import type { PluginFuncs } from './types';

/** A plugin's verbs and identity, as its main.ts hands them to runPlugin. */
export interface InProcessPlugin {
  funcs: PluginFuncs;
  info: PluginInfo;
}

/** One in-process invocation: what execPlugin's request carries, without the file. */
export interface InProcessRequest {
  stdin: Buffer;
  env: Record<string, string>;
  onStderr: (chunk: Buffer) => void;
  /** The caller's logger: the delegate's lines go to the same stderr, with its own bindings. */
  log?: Logger;
}

/** Runs `plugin` once on `req` and reports its exit code and output as an exec would. */
export async function runInProcess(plugin: InProcessPlugin, req: InProcessRequest): Promise<ExecOutcome> {
  const stdout: string[] = [];
  const code = await runPlugin(plugin.funcs, plugin.info, {
    env: req.env,
    stdin: async () => req.stdin,
    stdout: (s) => void stdout.push(s),
    stderr: (s) => req.onStderr(Buffer.from(s)),
    ...(req.log ? { log: req.log } : {}),
  });
  return { code, signal: null, stdout: Buffer.from(stdout.join('')), stderr: Buffer.alloc(0) };
}
