// Shared by the macvlan integration tests: the BUILT dist/bin/macvlan, copied with our host-local to a
// temp dir when the suite starts (other engineers rebuild dist/bin while tests run), run inside a
// per-test "host" netns whose master is a veth end; kernel state read back with iproute2, leases from
// a per-test dataDir.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ip, ipJson, type TestNetns } from '../../helpers/netns';
import { runPluginInNetns, type Run } from '../../helpers/run-plugin';

export const DIST = path.resolve(__dirname, '../../../dist/bin');
export const REFERENCE_DIR = '/usr/lib/cni';
export const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
export const at = (v: string, min: string): boolean => VERSIONS.indexOf(v) >= VERSIONS.indexOf(min);
/** The master's name in the host netns, and its peer's. */
export const MASTER = 'mvm0';
export const MASTER_PEER = 'mvm1';
export const NETWORK = 'mvnet';

/**
 * Copies dist/bin (the self-contained executables) into a temp dir, so that a
 * rebuild by someone else cannot pull them away mid-suite; returns the dir, which is also the tests'
 * CNI_PATH (our host-local, run in-process).
 */
export function stageBinaries(): string {
  for (const f of ['macvlan', 'host-local']) {
    if (!fs.existsSync(path.join(DIST, f))) throw new Error(`${path.join(DIST, f)} is missing: run \`npm run build\` first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-mv-bin-'));
  fs.cpSync(DIST, dir, { recursive: true, filter: (src) => !src.endsWith('.tmp') });
  return dir;
}

/** One plugin run. */
export type { Run };

/** What a call needs besides the config. */
export interface Call {
  host: TestNetns;
  bin: string;
  command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';
  cniPath: string;
  netns?: string;
  containerID?: string;
  ifName?: string;
  env?: Record<string, string>;
}

/** Runs the plugin inside `c.host` (the main thread is switched around the fork). Env: PATH and CNI_* only. */
export function runPlugin(c: Call, conf: object): Promise<Run> {
  return runPluginInNetns(c.host, c.bin, c, conf);
}

/** Asserts exit 0 and returns the run; otherwise fails with what the plugin said. */
export function ok(r: Run, what = 'plugin'): Run {
  assert.equal(r.code, 0, `${what} failed: ${r.stdout} ${r.stderr}`);
  return r;
}

/** Asserts an error reply with `code` whose msg matches `msg`. */
export function fails(r: Run, code: number, msg: RegExp): void {
  assert.equal(r.code, 1, `expected failure, got exit ${r.code}: ${r.stdout}`);
  assert.equal(r.json?.code, code, r.stdout);
  assert.match(r.json.msg, msg);
}

/** The master: a veth pair in the host netns, both ends up (a macvlan's carrier follows its master's). */
export function makeMaster(host: TestNetns, mtu = 1500): number {
  ip(host.name, 'link', 'add', MASTER, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', MASTER_PEER, 'mtu', String(mtu));
  ip(host.name, 'link', 'set', MASTER, 'up');
  ip(host.name, 'link', 'set', MASTER_PEER, 'up');
  return ipJson(host.name, 'link', 'show', MASTER)[0].ifindex as number;
}

/** The netns path the CNI_NETNS variable carries. */
export const nsPath = (ns: TestNetns): string => `/run/netns/${ns.name}`;

/** Links of a netns by name (iproute2's JSON, with -d details). */
export function links(ns: TestNetns): Map<string, any> {
  return new Map((ipJson(ns.name, 'link', 'show') as any[]).map((l) => [l.ifname as string, l]));
}

/** Every link but lo: what a container holds after ADD (and must not after a failed ADD or DEL). */
export const nonLo = (ns: TestNetns): string[] => [...links(ns).keys()].filter((n) => n !== 'lo');

/** `addr/prefix` strings of one link, global scope only. */
export function addrs(ns: TestNetns, dev: string): string[] {
  const [l] = ipJson(ns.name, 'addr', 'show', 'dev', dev) as any[];
  return (l?.addr_info ?? []).filter((a: any) => a.scope === 'global').map((a: any) => `${a.local}/${a.prefixlen}`);
}

/** `dst [via gw]` of the main table, sorted. */
export function routes(ns: TestNetns, family: '-4' | '-6' = '-4'): string[] {
  return (ipJson(ns.name, family, 'route', 'show') as any[]).map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}`).sort();
}

/** Lease files (addresses) of a network in a dataDir. */
export function leases(dataDir: string, network = NETWORK): string[] {
  const dir = path.join(dataDir, network);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip') && !f.startsWith('.')).sort();
}

/** A macvlan network config on MASTER; `ipam` null means L2 mode (`"ipam": {}`). */
export function mvConf(version: string, dataDir: string, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = {}): Record<string, unknown> {
  return {
    cniVersion: version, name: NETWORK, type: 'macvlan', master: MASTER, ...extra,
    ipam: ipam === null ? {} : { type: 'host-local', subnet: '10.66.0.0/24', dataDir, ...ipam },
  };
}

/** `conf` with `prevResult` set, as libcni passes it to CHECK and DEL. */
export const withPrev = (conf: object, prev: unknown): object => ({ ...conf, prevResult: prev });

/** Runs a command inside a netns; returns stdout. */
export function inNs(ns: TestNetns, cmd: string[], timeoutMs = 10_000): string {
  return execFileSync('ip', ['netns', 'exec', ns.name, ...cmd], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** True when one ping from `from` reaches `to` within a second or two. */
export function pings(from: TestNetns, to: string): boolean {
  try {
    inNs(from, ['ping', '-c', '1', '-W', '2', to]);
    return true;
  } catch {
    return false;
  }
}

/** The addresses of a result, in any version's shape. */
export function resultAddresses(r: any): string[] {
  if (r.ips) return r.ips.map((i: any) => i.address);
  return [r.ip4?.ip, r.ip6?.ip].filter(Boolean);
}
