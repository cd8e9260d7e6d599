// Shared by the lib/cni unit tests: drives runPlugin with a map env and buffers, as cni's skel_test.go
// drives skel's dispatcher.
import fs from 'node:fs';
import path from 'node:path';
import { runPlugin, type PluginInfo } from '../../../../lib/cni/dispatcher';
import { createLogger } from '../../../../lib/log';
import type { PluginIO } from '../../../../lib/cni/plugin-io';
import type { PluginFuncs, Result } from '../../../../lib/cni/types';

export const FIXTURES = path.resolve(__dirname, '../../../fixtures/cni');
export const FIXTURE_BIN = path.join(FIXTURES, 'bin');

/** The golden result of `version` under test/fixtures/cni/results. */
export function golden(version: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'results', `${version}.json`), 'utf8')) as Record<string, unknown>;
}

/** A current-shape result that exercises every conversion rule (see the goldens). */
export function sampleResult(): Result {
  return {
    cniVersion: '1.1.0',
    interfaces: [
      { name: 'cni0', mac: '00:11:22:33:44:55' },
      { name: 'veth1', mac: '66:77:88:99:aa:bb', mtu: 1450 },
      { name: 'eth0', mac: 'cc:dd:ee:ff:00:11', mtu: 1450, sandbox: '/var/run/netns/c1' },
    ],
    ips: [
      { address: '10.1.0.5/16', gateway: '10.1.0.1', interface: 2 },
      { address: '10.1.0.6/16', gateway: '10.1.0.1', interface: 2 },
      { address: 'fd00::5/64', gateway: 'fd00::1', interface: 2 },
    ],
    routes: [
      { dst: '0.0.0.0/0', gw: '10.1.0.1' },
      { dst: '10.2.0.0/16', gw: '10.1.0.254', mtu: 1400, table: 0 },
      { dst: '::/0' },
    ],
    dns: { nameservers: ['10.1.0.1'], domain: '', search: ['example.com'], options: [] },
  };
}

export const INFO: PluginInfo = { name: 'testplug', version: 'v9.8.7' };

/** A valid ADD environment; override or delete keys per test. */
export function addEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    CNI_COMMAND: 'ADD',
    CNI_CONTAINERID: 'c0ffee',
    CNI_NETNS: '/var/run/netns/does-not-exist',
    CNI_IFNAME: 'eth0',
    CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
    ...extra,
  };
}

/** A config for `version` (with `extra` keys merged in). */
export function conf(version: string | undefined, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...(version === undefined ? {} : { cniVersion: version }), name: 'testnet', type: 'testplug', ...extra });
}

export interface RunOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed, when it is JSON. */
  json: Record<string, unknown> | undefined;
}

/** Verbs that succeed (ADD returns the sample result) and record their arguments. */
export function recordingFuncs(calls: Array<{ verb: string; args: unknown }> = []): PluginFuncs {
  return {
    add: async (args) => {
      calls.push({ verb: 'add', args });
      return sampleResult();
    },
    del: async (args) => void calls.push({ verb: 'del', args }),
    check: async (args) => void calls.push({ verb: 'check', args }),
    gc: async (args) => void calls.push({ verb: 'gc', args }),
    status: async (args) => void calls.push({ verb: 'status', args }),
  };
}

/** Runs the dispatcher once with in-memory IO. */
export async function run(
  env: Record<string, string | undefined>,
  stdin: string | Buffer | Error,
  funcs: PluginFuncs = recordingFuncs(),
  info: PluginInfo = INFO,
): Promise<RunOutcome> {
  let stdout = '';
  let stderr = '';
  const log = createLogger({}, { BERTH_LOG_LEVEL: 'silent' });
  const io: PluginIO = {
    env,
    stdin: async () => {
      if (stdin instanceof Error) throw stdin;
      return Buffer.from(stdin);
    },
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    log,
  };
  const exitCode = await runPlugin(funcs, info, io);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(stdout) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { exitCode, stdout, stderr, json };
}
