/**
 * Which cgroup hierarchy the host runs, from /proc/self/mountinfo (the file runc's and youki's mount
 * scans also read). Parsing text rather than calling statfs lets unit tests feed any layout.
 */
import * as fs from 'node:fs';

/** v1 controllers a manager may use. Named hierarchies (name=systemd) are not resource controllers. */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'net_cls', 'net_prio'] as const;
/** One v1 controller name. */
export type V1Controller = (typeof V1_CONTROLLERS)[number];

/**
 * The host's cgroup layout.
 * - `v1`: only cgroup (v1) mounts.
 * - `v2`: a single cgroup2 mount (the unified hierarchy).
 * - `hybrid`: v1 controller mounts plus a cgroup2 mount (usually /sys/fs/cgroup/unified) that holds
 *   few or no controllers; resource limits go through v1, as runc does.
 */
export interface CgroupLayout {
  mode: 'v1' | 'v2' | 'hybrid';
  /** Mount point of each mounted v1 controller; co-mounted ones (cpu,cpuacct) share a path. */
  v1: Partial<Record<V1Controller, string>>;
  /** Mount point of the cgroup2 hierarchy, if any. */
  unified?: string;
}

// mountinfo escapes space, tab, newline and backslash in paths as octal.
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Reads a mountinfo text into a {@link CgroupLayout}.
 * @throws Error when no cgroup filesystem is mounted at all.
 */
export function parseCgroupLayout(mountinfo: string): CgroupLayout {
  const v1: Partial<Record<V1Controller, string>> = {};
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    // "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime shared:1 - cgroup cgroup rw,devices": the
    // optional fields vary in number, so split at the " - " separator.
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const mountPoint = pre[4];
    if (mountPoint === undefined) continue;
    if (fstype === 'cgroup2') {
      unified ??= unescape(mountPoint);
    } else if (fstype === 'cgroup') {
      for (const opt of superOpts.split(',')) {
        if ((V1_CONTROLLERS as readonly string[]).includes(opt)) v1[opt as V1Controller] ??= unescape(mountPoint);
      }
    }
  }
  const hasV1 = Object.keys(v1).length > 0;
  if (!hasV1 && unified === undefined) throw new Error('no cgroup filesystem is mounted (see /proc/self/mountinfo)');
  const mode = !hasV1 ? 'v2' : unified !== undefined ? 'hybrid' : 'v1';
  return unified === undefined ? { mode, v1 } : { mode, v1, unified };
}

/** Detects the layout of the calling process's mount namespace. `mountinfoPath` is for tests. */
export function detectCgroupLayout(mountinfoPath = '/proc/self/mountinfo'): CgroupLayout {
  return parseCgroupLayout(fs.readFileSync(mountinfoPath, 'utf8'));
}
