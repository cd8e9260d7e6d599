/**
 * Network sysctls of one network namespace. Files under /proc/sys/net resolve against the netns of the
 * thread that opens them, so every access here is a synchronous fs call inside withNetns: an async call
 * would be served by a libuv pool thread, which stays in the host netns.
 */
import fs from 'node:fs';
import { withNetns, type Netns } from '../netns';

/** One value to write, e.g. `{ key: 'net/ipv6/conf/eth0/accept_dad', value: '0' }`. */
export interface SysctlWrite {
  /** Path below /proc/sys with `/` separators (so interface names may hold dots, as VLAN devices do). */
  readonly key: string;
  readonly value: string;
  /**
   * A failure is tolerated: the reference ignores errors of the DAD, arp_notify and accept_ra writes,
   * which fail harmlessly where IPv6 is disabled (no net/ipv6/conf/<if> directory).
   */
  readonly optional?: boolean;
  /** Read first and write only when the value differs (a write to ip_forward resets other knobs). */
  readonly ifDifferent?: boolean;
}

/** A sysctl could not be read or written: names the key, the value and the system error. */
export class SysctlError extends Error {
  readonly key: string;
  constructor(key: string, what: string, cause: unknown) {
    super(`sysctl ${key}: ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SysctlError';
    this.key = key;
  }
}

/** `/proc/sys/<key>`, refusing keys that could leave /proc/sys/net (`..`, NUL, absolute). */
export function sysctlPath(key: string): string {
  if (!key.startsWith('net/') || key.includes('\0') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new TypeError(`invalid sysctl key ${JSON.stringify(key)}: expected net/<path> without "." or ".." parts`);
  }
  return `/proc/sys/${key}`;
}

/**
 * Applies `writes` in order inside `ns` (the calling thread's own netns when undefined), in one
 * namespace window. Returns the keys of optional writes that failed.
 * @throws {SysctlError} the first non-optional write that failed (those before it are applied)
 */
export function writeSysctls(ns: Netns | undefined, writes: readonly SysctlWrite[]): string[] {
  const paths = writes.map((w) => sysctlPath(w.key));
  const run = (): string[] => {
    const skipped: string[] = [];
    writes.forEach((w, i) => {
      try {
        if (w.ifDifferent && readTrimmed(paths[i]!) === w.value) return;
        fs.writeFileSync(paths[i]!, w.value);
      } catch (err) {
        if (!w.optional) throw new SysctlError(w.key, `cannot write ${JSON.stringify(w.value)}`, err);
        skipped.push(w.key);
      }
    });
    return skipped;
  };
  return ns ? withNetns(ns, run) : run();
}

/**
 * Reads one sysctl inside `ns` (the calling thread's netns when undefined), trailing newline removed.
 * @throws {SysctlError} the file does not exist or cannot be read
 */
export function readSysctl(ns: Netns | undefined, key: string): string {
  const file = sysctlPath(key);
  const run = (): string => {
    try {
      return readTrimmed(file);
    } catch (err) {
      throw new SysctlError(key, 'cannot read', err);
    }
  };
  return ns ? withNetns(ns, run) : run();
}

function readTrimmed(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}
