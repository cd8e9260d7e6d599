// Plumbing for bench/runtime.ts: OCI bundles for runc and crun over berth's own image rootfs, timed
// runs of any command (spawned from inside a throwaway netns, as bench/exec.ts does for plugins),
// peak-memory sampling of a running process, and the clean-up of what the runtimes leave behind:
// their state directories, cgroups and mounts.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { withNetns, type Netns } from '../lib/netns';
import { MNT_DETACH, MS_BIND, MS_PRIVATE, mount, umount2 } from '../lib/sys';

/** One reference runtime: its executable and a private `--root` state directory. */
export interface OciRuntime {
  readonly name: 'runc' | 'crun';
  readonly bin: string;
  readonly stateDir: string;
  /** A command it is started through (`nsenter --mount=...`), or empty. */
  readonly via: readonly string[];
}

/** What a bundle's config.json differs in from `runc spec`. */
export interface BundleSpec {
  /** Absolute path of the rootfs, used in place (no copy, no overlay). */
  readonly rootfs: string;
  readonly args: readonly string[];
  /** cgroupsPath, "/<unique parent>/<name>", so the clean-up knows every directory the runtime made. */
  readonly cgroupsPath: string;
  /** Join this netns (a CNI runtime's way) instead of creating a fresh one. */
  readonly netnsPath?: string;
}

/** `runc spec`'s output, read once. */
let BASE_SPEC: string | undefined;

/**
 * Writes `<dir>/config.json`: `runc spec` (the reference's own defaults) with the rootfs path, a
 * writable root (berth's overlay root is writable too), `args`, no terminal, and a cgroupsPath. The
 * default spec's namespaces are kept: it creates a new netns, which is what `--network none` does.
 */
export function writeBundle(dir: string, spec: BundleSpec): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  if (BASE_SPEC === undefined) {
    execFileSync('runc', ['spec', '--bundle', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    BASE_SPEC = fs.readFileSync(file, 'utf8');
  }
  const config = JSON.parse(BASE_SPEC) as {
    root: { path: string; readonly: boolean };
    process: { args: string[]; terminal: boolean };
    linux: { cgroupsPath?: string; namespaces: Array<{ type: string; path?: string }> };
  };
  config.root = { path: spec.rootfs, readonly: false };
  config.process.args = [...spec.args];
  config.process.terminal = false;
  config.linux.cgroupsPath = spec.cgroupsPath;
  if (spec.netnsPath !== undefined) {
    config.linux.namespaces = config.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: spec.netnsPath } : n));
  }
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return dir;
}

/** Executable and argv of `<rt> --root <state> args...`, started through `rt.via` when set. */
export function ociCommand(rt: OciRuntime, args: readonly string[]): [string, string[]] {
  const argv = [...rt.via, rt.bin, '--root', rt.stateDir, ...args];
  return [argv[0]!, argv.slice(1)];
}

/** A foreground `run` of `bundle` as container `id` (both runtimes take the same flags). */
export function ociRunCommand(rt: OciRuntime, bundle: string, id: string): [string, string[]] {
  return ociCommand(rt, ['run', '--bundle', bundle, id]);
}

/**
 * A persistent mount namespace at `<dir>/mnt` that differs from ours in one way: the cgroup2 mount
 * at /sys/fs/cgroup/unified is detached, so a runtime started in it (`nsenter --mount=<file>`) sees
 * a plain v1 host. crun refuses a hybrid host whose cgroup2 holds any controller. `dir` becomes a
 * private bind mount (a namespace file may not sit on a shared one); unmountUnder() undoes both.
 */
export function v1OnlyMountNamespace(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  mount(dir, dir, null, MS_BIND);
  mount(null, dir, null, MS_PRIVATE);
  const file = path.join(dir, 'mnt');
  fs.writeFileSync(file, '');
  execFileSync('unshare', [`--mount=${file}`, '--propagation', 'private', 'umount', '-l', '/sys/fs/cgroup/unified'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return file;
}

/** A finished command: wall time (spawn to exit), exit code, output. */
export interface TimedRun { ms: number; code: number | null; stdout: string; stderr: string }

/**
 * Runs `file args` to exit and times it; with `netns`, the child is forked from inside it (the main
 * thread is switched around spawn). `onSpawn` gets the child's pid as soon as it exists.
 */
export function timedRun(file: string, args: readonly string[], env: NodeJS.ProcessEnv, netns?: Netns, onSpawn?: (pid: number) => void): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const spawnIt = () => spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = netns ? withNetns(netns, spawnIt) : spawnIt();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, code, stdout, stderr }));
    if (child.pid !== undefined) onSpawn?.(child.pid);
  });
}

/** Throws with the command's own words when a run failed. */
export function check(r: TimedRun, what: string): TimedRun {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stdout.trim().slice(0, 300)} ${r.stderr.trim().slice(0, 600)}`);
  return r;
}

/** Resident and peak-resident memory of a process, KiB, from /proc/<pid>/status. */
export interface MemorySample { rssKiB: number; hwmKiB: number }

/** One reading of `pid`'s VmRSS and VmHWM; undefined once it is gone (or a zombie, which has neither). */
export function readMemory(pid: number): MemorySample | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number | undefined => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) : undefined;
  };
  const rss = field('VmRSS');
  const hwm = field('VmHWM');
  return rss === undefined || hwm === undefined ? undefined : { rssKiB: rss, hwmKiB: hwm };
}

/**
 * Samples `pid` every `everyMs` until it is gone: the median VmRSS while it lived and the last VmHWM
 * seen (the kernel's high-water mark only grows, so the last reading is the peak to within one period).
 * Readings count only while `counts(exe)` holds: a child fresh from our fork is a copy of Node until
 * its execve, and one started through a wrapper is the wrapper until then. (crun re-execs itself from
 * a memfd copy, so its exe is not /usr/bin/crun: name what to skip rather than what to wait for.)
 */
export async function sampleUntilGone(pid: number, everyMs = 20, counts: (exe: string) => boolean = () => true): Promise<MemorySample | undefined> {
  const rss: number[] = [];
  let hwm = 0;
  const running = (): boolean => {
    try {
      return counts(fs.readlinkSync(`/proc/${pid}/exe`));
    } catch {
      return false;
    }
  };
  for (let m = readMemory(pid); m !== undefined; m = readMemory(pid)) {
    if (running()) {
      rss.push(m.rssKiB);
      hwm = Math.max(hwm, m.hwmKiB);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  if (rss.length === 0) return undefined;
  rss.sort((a, b) => a - b);
  return { rssKiB: rss[Math.floor(rss.length / 2)]!, hwmKiB: hwm };
}

/** The pid of the process whose argv holds every one of `words`, or undefined. */
export function findProcess(words: readonly string[]): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    if (words.every((w) => argv.includes(w))) return Number(entry);
  }
  return undefined;
}

/** Force-deletes every container still known to `rt` (a run that failed half-way). Best effort. */
export function deleteLeftoverContainers(rt: OciRuntime): void {
  if (!fs.existsSync(rt.stateDir)) return;
  let ids: string[] = [];
  try {
    ids = execFileSync(...ociCommand(rt, ['list', '-q']), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const id of ids) {
    try {
      execFileSync(...ociCommand(rt, ['delete', '-f', id]), { stdio: 'ignore' });
    } catch {
      // gone already
    }
  }
}

/**
 * Removes cgroup `name` (a top-level directory, relative) with everything below it from every
 * mounted hierarchy: v1 controllers, name=systemd, the unified one. Deepest first; a busy directory
 * (a task still leaving) is retried for about a second.
 */
export async function removeCgroupTrees(name: string): Promise<string[]> {
  const roots = ['/sys/fs/cgroup', ...fs.readdirSync('/sys/fs/cgroup').map((d) => path.join('/sys/fs/cgroup', d))];
  const failed: string[] = [];
  for (const root of roots) {
    const top = path.join(root, name);
    if (!fs.existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
      dirs.push(d);
    };
    walk(top);
    for (const d of dirs) {
      for (let attempt = 0; ; attempt++) {
        try {
          fs.rmdirSync(d);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || attempt >= 7) {
            failed.push(`${d}: ${code}`);
            break;
          }
          await new Promise((r) => setTimeout(r, 10 << attempt));
        }
      }
    }
  }
  return failed;
}

/** Unmounts (lazily, deepest first) every mount point at or under `dir` in our mount namespace. */
export function unmountUnder(dir: string): void {
  const points = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) {
    try {
      umount2(p, MNT_DETACH);
    } catch {
      // stacked mounts: an earlier detach took this one too
    }
  }
}
