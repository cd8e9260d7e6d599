// Shared by the plugins' unit tests: a plugin's verbs behind the real dispatcher with an injected
// process boundary, configs decoded as the dispatcher hands them over, and a CniError assertion.
import assert from 'node:assert/strict';
import { CniError, loadConfig, runPlugin, type NetConf, type PluginIO } from '../../lib/cni';
import type { PluginFuncs } from '../../lib/cni/types';
import { createLogger } from '../../lib/log';

/** What the dispatcher wrote for one call: its exit code, stdout, and stdout parsed as JSON. */
export interface DispatchOut { code: number; json: any; stdout: string }

/** Runs `funcs` through the dispatcher as plugin `name`, with dummy CNI_* values overridden by `env`. */
export async function dispatch(funcs: PluginFuncs, name: string, env: Record<string, string>, conf: object): Promise<DispatchOut> {
  let stdout = '';
  const io: PluginIO = {
    env: { CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: '/run/netns/bt-none', CNI_PATH: '/nonexistent', ...env },
    stdin: async () => Buffer.from(JSON.stringify(conf)),
    stdout: (s) => (stdout += s),
    stderr: () => undefined,
    log: createLogger({}, { BERTH_LOG_LEVEL: 'silent' }),
  };
  const code = await runPlugin(funcs, { name, version: 't' }, io);
  return { code, json: stdout ? JSON.parse(stdout) : undefined, stdout };
}

/** A `type` config as the dispatcher hands it over: decoded and base-validated from JSON text. */
export function confOf(type: string, extra: Record<string, unknown> = {}): NetConf {
  return loadConfig(JSON.stringify({ cniVersion: '1.0.0', name: 'net1', type, ...extra }));
}

/** Asserts that `fn` throws a CniError with `code` whose message matches `msg`. */
export function throwsCni(fn: () => unknown, code: number, msg: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CniError, `expected a CniError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, msg);
    return true;
  });
}
