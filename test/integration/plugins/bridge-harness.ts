// Shared by the bridge integration tests: the BUILT dist/bin/bridge run inside a per-test "host" netns
// (the main thread is switched around the fork, so the child starts there), kernel and firewall state
// read back with iproute2, iptables-save and nft, and the lease files of a per-test dataDir.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ipJson, type TestNetns } from '../../helpers/netns';
import { runPluginInNetns, type Run } from '../../helpers/run-plugin';

export const DIST = path.resolve(__dirname, '../../../dist/bin');
export const BRIDGE = path.join(DIST, 'bridge');
export const REFERENCE_DIR = '/usr/lib/cni';
export const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
export const at = (v: string, min: string): boolean => VERSIONS.indexOf(v) >= VERSIONS.indexOf(min);

/** One plugin run. */
export type { Run };

/** What a call needs besides the config: the host netns, and the CNI_* values. */
export interface Call {
  host: TestNetns;
  command: 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS' | 'VERSION';
  netns?: string;
  containerID?: string;
  ifName?: string;
  env?: Record<string, string>;
  bin?: string;
  cniPath?: string;
}

/** Runs a plugin (ours by default) inside `c.host`. The env holds PATH and the CNI_* variables only. */
export function runPlugin(c: Call, conf: object): Promise<Run> {
  return runPluginInNetns(c.host, c.bin ?? BRIDGE, { ...c, cniPath: c.cniPath ?? DIST }, conf);
}

/** Asserts exit 0 and returns the run; otherwise fails with what the plugin said. */
export function ok(r: Run, what = 'plugin'): Run {
  assert.equal(r.code, 0, `${what} failed: ${r.stdout} ${r.stderr}`);
  return r;
}

/** The netns path the CNI_NETNS variable carries. */
export const nsPath = (ns: TestNetns): string => `/run/netns/${ns.name}`;

/** Links of a netns by name (iproute2's JSON, with -d details). */
export function links(ns: TestNetns): Map<string, any> {
  return new Map((ipJson(ns.name, 'link', 'show') as any[]).map((l) => [l.ifname as string, l]));
}

/** `addr/prefix` strings of one link, global scope only unless `all`. */
export function addrs(ns: TestNetns, dev: string, all = false): string[] {
  const [l] = ipJson(ns.name, 'addr', 'show', 'dev', dev) as any[];
  return (l?.addr_info ?? []).filter((a: any) => all || a.scope === 'global').map((a: any) => `${a.local}/${a.prefixlen}`);
}

/** iptables-save -t nat of a netns, IPv4 (or IPv6). */
export function natRules(ns: TestNetns, family: 4 | 6 = 4): string {
  return execFileSync('ip', ['netns', 'exec', ns.name, family === 4 ? 'iptables-save' : 'ip6tables-save', '-t', 'nat'], { encoding: 'utf8' });
}

/** The CNI masquerade chains in a nat table dump. */
export const cniChains = (save: string): string[] => [...save.matchAll(/^:(CNI-[0-9a-f]+) /gm)].map((m) => m[1]!);

/** `nft list table bridge nat` of a netns, or '' when the table does not exist. */
export function nftBridgeNat(ns: TestNetns): string {
  try {
    return execFileSync('ip', ['netns', 'exec', ns.name, 'nft', 'list', 'table', 'bridge', 'nat'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

/** Lease files (addresses) of a network in a dataDir. */
export function leases(dataDir: string, network: string): string[] {
  const dir = path.join(dataDir, network);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip') && !f.startsWith('.')).sort();
}

/** A bridge network config. */
export function bridgeConf(version: string, dataDir: string, extra: Record<string, unknown> = {}, ipam: Record<string, unknown> | null = {}): Record<string, unknown> {
  const conf: Record<string, unknown> = { cniVersion: version, name: 'brnet', type: 'bridge', bridge: 'cni-t0', ...extra };
  if (ipam !== null) conf.ipam = { type: 'host-local', subnet: '10.77.0.0/24', dataDir, ...ipam };
  return conf;
}

/** `conf` with `prevResult` set, as libcni passes it to CHECK and DEL. */
export const withPrev = (conf: object, prev: unknown): object => ({ ...conf, prevResult: prev });

/** Runs a shell command inside a netns; returns stdout. */
export function inNs(ns: TestNetns, cmd: string[], timeoutMs = 10_000): string {
  return execFileSync('ip', ['netns', 'exec', ns.name, ...cmd], { encoding: 'utf8', timeout: timeoutMs });
}

/** The container-side addresses of a result, in any version's shape. */
export function resultAddresses(r: any): string[] {
  if (r.ips) return r.ips.map((i: any) => i.address);
  return [r.ip4?.ip, r.ip6?.ip].filter(Boolean);
}
