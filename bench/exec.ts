import { spawn } from 'node:child_process';
import { withNetns, type Netns } from '../lib/netns';

/** The environment plugins get in the benchmarks: as a runtime passes it, without the CA bundle that
 * this machine's shell exports (Node parses NODE_EXTRA_CA_CERTS on every start, ~40 ms). */
export function pluginEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...extra };
  return env;
}

/**
 * Runs `file` once with `stdin`, returning wall time (ms, spawn to exit), exit code and stdout; with
 * `netns`, spawned from inside it (the main thread is switched around the fork). `args` go to `file`
 * (e.g. /usr/bin/time's, with the plugin last).
 */
export function timedExec(
  file: string, env: NodeJS.ProcessEnv, stdin: string, netns?: Netns, args: readonly string[] = [],
): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const spawnIt = () => spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const child = netns ? withNetns(netns, spawnIt) : spawnIt();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, stdout, stderr }));
    child.stdin.on('error', () => {}); // a plugin may exit without reading stdin (VERSION)
    child.stdin.end(stdin);
  });
}
