// Runs a BUILT plugin executable inside a netns (the main thread is switched around the fork, so the
// child starts there) with PATH and the CNI_* variables only, the config on stdin; shared by the
// plugin integration harnesses.
import { spawn } from 'node:child_process';
import { withNetns } from '../../lib/netns';
import type { TestNetns } from './netns';

/** One plugin run. */
export interface Run { code: number | null; stdout: string; stderr: string; json: any }

/** The CNI_* values of one call (CNI_COMMAND and CNI_PATH required), plus extra env. */
export interface PluginCall {
  command: string;
  cniPath: string;
  netns?: string;
  containerID?: string;
  ifName?: string;
  env?: Record<string, string>;
}

/** Spawns `bin` inside `host` with the call's env and `conf` as JSON on stdin; resolves on exit. */
export function runPluginInNetns(host: TestNetns, bin: string, c: PluginCall, conf: object): Promise<Run> {
  const env: Record<string, string> = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: c.command, CNI_CONTAINERID: c.containerID ?? 'ctr1',
    CNI_IFNAME: c.ifName ?? 'eth0', CNI_NETNS: c.netns ?? '', CNI_PATH: c.cniPath, ...c.env,
  };
  return new Promise((resolve, reject) => {
    const child = withNetns(host, () => spawn(bin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => {
      let json: any;
      try { json = stdout.trim() ? JSON.parse(stdout) : undefined; } catch { json = undefined; }
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(JSON.stringify(conf));
  });
}
