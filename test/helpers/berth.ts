// Throwaway state for the berth CLI integration tests: a "host" netns that berth runs in (its bridge,
// veths and iptables rules land there), temp dirs for BERTH_ROOT / BERTH_RUN / BERTH_CNI_DIR, and a
// cgroup parent unique to this process. The clean-up removes every container through berth, then
// proves (from the kernel and the filesystem, not from berth) that nothing was left behind, removes
// whatever was, and fails naming it.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ipJson, makeTestNetns, type TestNetns } from './netns';

/** The built CLI (`node scripts/build.mjs`). */
export const BERTH_BIN = path.resolve(__dirname, '../../dist/bin/berth');

/** One berth invocation: exit code (null when killed), the signal that killed it, and its output. */
export interface BerthResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Options of one invocation. */
export interface BerthOptions {
  /** Kills the process (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  /** Extra environment on top of the sandbox's. */
  env?: Record<string, string>;
  /** Written to stdin (stdin is closed either way). */
  input?: string;
}

/** What is left of containers on the machine, each entry naming its container ID where it can. */
export interface Residue {
  /** Container cgroup dirs: `<controller mount>/<parent>/<id>`. */
  cgroups: string[];
  /** Files in $BERTH_RUN/netns (container netns bind mounts). */
  netns: string[];
  /** Veths in the host netns, as `<name> <ifalias>` (the alias names the container). */
  veths: string[];
  /** Lease files under $BERTH_CNI_DIR/networks, as `<network>/<ip> <owner id>`. */
  leases: string[];
  /** CNI result cache files under $BERTH_CNI_DIR/results. */
  cache: string[];
  /** CNI-* chains in the host netns's nat table, with the comment that names the container. */
  chains: string[];
  /** Container dirs under $BERTH_ROOT/containers. */
  containers: string[];
  /** Processes (pid and command) whose environment holds this sandbox's BERTH_ROOT. */
  processes: string[];
}

let counter = 0;
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Every cgroup (v1 and v2) mount point in /proc/self/mountinfo. */
export function cgroupMounts(): string[] {
  const out = new Set<string>();
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.add(unescapeMount(line.split(' ')[4]!));
  }
  return [...out];
}

/** Mount points in /proc/self/mountinfo at or under `dir`. */
export function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l !== '')
    .map((l) => unescapeMount(l.split(' ')[4]!))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

// mountinfo escapes space, tab, newline and backslash as octal.
const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

const readdir = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One sandbox: create it with {@link BerthSandbox.init} (or {@link useBerth}), run berth in it with
 * {@link BerthSandbox.berth}, end it with {@link BerthSandbox.cleanup}.
 */
export class BerthSandbox {
  host!: TestNetns;
  /** The mkdtemp dir holding root/, run/ and cni/. */
  base!: string;
  root!: string;
  run!: string;
  cniDir!: string;
  /** `berth-test-<pid>-<n>`, relative to each cgroup mount. */
  cgroupParent!: string;
  /** The environment every invocation gets. */
  env!: Record<string, string>;

  /** Makes the netns, the dirs and the cgroup parent name. */
  init(): this {
    counter += 1;
    this.cgroupParent = `berth-test-${process.pid}-${counter}`;
    this.base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-it-'));
    [this.root, this.run, this.cniDir] = ['root', 'run', 'cni'].map((d) => path.join(this.base, d)) as [string, string, string];
    this.host = makeTestNetns('host');
    this.env = {
      PATH, BERTH_ROOT: this.root, BERTH_RUN: this.run, BERTH_CNI_DIR: this.cniDir, BERTH_CGROUP_PARENT: this.cgroupParent,
    };
    return this;
  }

  /** Path of the host netns (what `nsenter --net=` gets). */
  get hostPath(): string { return `/run/netns/${this.host.name}`; }

  /** Starts `berth <args>` inside the host netns; the caller owns the process. */
  spawn(args: readonly string[], opts: BerthOptions = {}): ChildProcess {
    // nsenter --net only setns()es and execs: the pid is berth's own, so a signal reaches berth.
    return spawn('nsenter', [`--net=${this.hostPath}`, BERTH_BIN, ...args], {
      env: { ...this.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Runs `berth <args>` to completion inside the host netns. */
  berth(args: readonly string[], opts: BerthOptions = {}): Promise<BerthResult> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(args, opts);
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.stdout!.on('data', (d: Buffer) => (stdout += d));
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      child.stdin!.on('error', () => undefined);
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
      child.stdin!.end(opts.input ?? '');
    });
  }

  /** Runs berth, asserts exit 0, returns stdout with the trailing newline trimmed. */
  async ok(args: readonly string[], opts: BerthOptions = {}): Promise<string> {
    const r = await this.berth(args, opts);
    assert.equal(r.code, 0, `berth ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout.replace(/\n$/, '');
  }

  /** `berth inspect <name>`, parsed: the one object. */
  async inspect(name: string): Promise<any> {
    const [obj] = JSON.parse(await this.ok(['inspect', name])) as any[];
    return obj;
  }

  /** Every container's cgroup dir under this sandbox's parent, in every cgroup mount. */
  cgroupDirs(id?: string): string[] {
    return cgroupMounts().flatMap((m) => {
      const parent = path.join(m, this.cgroupParent);
      return readdir(parent).filter((d) => (id === undefined ? true : d === id) && fs.statSync(path.join(parent, d)).isDirectory())
        .map((d) => path.join(parent, d));
    });
  }

  /** A container's cgroup file in a v1 controller, trimmed. */
  cgroupFile(controller: string, id: string, file: string): string {
    return fs.readFileSync(path.join('/sys/fs/cgroup', controller, this.cgroupParent, id, file), 'utf8').trim();
  }

  /** Host netns links by name (iproute2 JSON with details). */
  hostLinks(): Map<string, any> {
    return new Map((ipJson(this.host.name, 'link', 'show') as any[]).map((l) => [l.ifname as string, l]));
  }

  /** `iptables-save -t nat` of the host netns. */
  natRules(): string {
    return execFileSync('ip', ['netns', 'exec', this.host.name, 'iptables-save', '-t', 'nat'], { encoding: 'utf8' });
  }

  /** What containers left on the machine (see {@link Residue}). */
  residue(): Residue {
    const nets = path.join(this.cniDir, 'networks');
    // Network stores only: the overlay plugin keeps its scratch files in a dot directory beside them.
    const leases = readdir(nets).filter((n) => !n.startsWith('.') && fs.statSync(path.join(nets, n)).isDirectory()).flatMap((n) => readdir(path.join(nets, n))
      .filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip') && !f.startsWith('.') && fs.statSync(path.join(nets, n, f)).isFile())
      .map((f) => `${n}/${f} ${fs.readFileSync(path.join(nets, n, f), 'utf8').split('\r\n')[0]}`));
    const save = this.natRules();
    const chains = [...save.matchAll(/^-A POSTROUTING .*--comment "(.*)" -j (CNI-[0-9a-f]+)$/gm)].map((m) => `${m[2]} ${m[1]}`);
    const veths = [...this.hostLinks().values()].filter((l) => l.linkinfo?.info_kind === 'veth').map((l) => `${l.ifname} ${l.ifalias ?? ''}`);
    return {
      cgroups: this.cgroupDirs(),
      netns: readdir(path.join(this.run, 'netns')),
      veths,
      leases,
      cache: readdir(path.join(this.cniDir, 'results')),
      chains,
      // The staging gate is the store's lock file, like the IPAM `lock`: it stays, as locks do.
      containers: readdir(path.join(this.root, 'containers')).filter((f) => f !== '.staging.lock'),
      processes: this.processes().map((p) => `${p.pid} ${p.cmd}`),
    };
  }

  /** Residue entries that name none of `ids` (full container IDs): what should have been released. */
  residueExcept(ids: readonly string[]): Partial<Residue> {
    const out: Partial<Residue> = {};
    for (const [k, v] of Object.entries(this.residue()) as [keyof Residue, string[]][]) {
      const stray = v.filter((entry) => !ids.some((id) => entry.includes(id)));
      if (stray.length > 0) out[k] = stray;
    }
    return out;
  }

  /** Full IDs of the running containers (`ps -q --no-trunc`). */
  async runningIds(): Promise<string[]> {
    return (await this.ok(['ps', '-q', '--no-trunc'])).split('\n').filter((l) => l !== '');
  }

  /** `berth rm -f` of every container (`ps -aq`); returns what rm said when it failed. */
  async removeAllContainers(): Promise<string | undefined> {
    const ps = await this.berth(['ps', '-aq', '--no-trunc']);
    if (ps.code !== 0) return `ps -aq failed: ${ps.stderr}`;
    const ids = ps.stdout.split('\n').filter((l) => l !== '');
    if (ids.length === 0) return undefined;
    const rm = await this.berth(['rm', '-f', ...ids]);
    return rm.code === 0 ? undefined : `rm -f ${ids.join(' ')} exited ${rm.code}: ${rm.stderr}`;
  }

  /**
   * Processes started for this sandbox (supervisors, foreground runs, container processes), found by
   * BERTH_ROOT in their environment, plus every process in one of its container cgroups.
   */
  processes(): { pid: number; cmd: string }[] {
    const needle = `BERTH_ROOT=${this.root}\0`;
    const pids = new Set<number>();
    for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (`${fs.readFileSync(`/proc/${p}/environ`, 'latin1')}\0`.includes(needle)) pids.add(Number(p));
      } catch { /* gone */ }
    }
    for (const dir of this.cgroupDirs()) {
      try {
        for (const p of fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) pids.add(Number(p));
      } catch { /* gone */ }
    }
    pids.delete(process.pid);
    return [...pids].map((pid) => {
      let cmd = '?';
      try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(); } catch { /* gone */ }
      return { pid, cmd };
    });
  }

  /**
   * Removes every container through berth, then checks the machine and removes what is left: processes,
   * container cgroups and the parent in every mount, netns mounts in $BERTH_RUN/netns, any other mount
   * under the temp dir; then the dirs and the host netns. Throws naming each leftover.
   */
  async cleanup(): Promise<void> {
    if (this.base === undefined) return;
    const problems: string[] = [];
    try {
      const rm = await this.removeAllContainers();
      if (rm !== undefined) problems.push(rm);
    } catch (e) {
      problems.push(`removing containers: ${String(e)}`);
    }
    try {
      await this.stopBerthd();
    } catch (e) {
      problems.push(`stopping berthd: ${String(e)}`);
    }
    try {
      problems.push(...(await this.reap()));
      fs.rmSync(this.base, { recursive: true, force: true });
    } finally {
      // Whatever failed above, the host netns goes: a failed run must not leave it on the machine.
      this.host.remove();
    }
    if (problems.length > 0) throw new Error(`berth left state behind:\n  ${problems.join('\n  ')}`);
  }

  /** The berthd processes of this sandbox (berth starts one on demand for the DNS of user networks). */
  berthdPids(): number[] {
    // `node …/dist/bin/berthd run --run-dir …` (or the release binary `…/berthd run …`).
    return this.processes().filter((p) => /(^|\/)berthd run( |$)/.test(p.cmd)).map((p) => p.pid);
  }

  /**
   * Stops this sandbox's berthd (SIGTERM, as a service manager would) and waits for it to exit: it is
   * started on demand and outlives every berth command, so it is no leftover, but it must go with the sandbox.
   */
  async stopBerthd(): Promise<void> {
    const pids = this.berthdPids();
    for (const pid of pids) { try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
    await waitFor(() => pids.every((pid) => !fs.existsSync(`/proc/${pid}`)), 10_000);
  }

  // Kills, unmounts and removes whatever is left; returns a line per leftover. The $BERTH_RUN/netns
  // self bind mount is expected: like `ip netns`, berth makes the directory a shared mount point once.
  private async reap(): Promise<string[]> {
    const problems: string[] = [];
    const procs = this.processes();
    if (procs.length > 0) problems.push(`processes: ${procs.map((p) => `${p.pid} (${p.cmd})`).join(', ')}`);
    for (const dir of this.cgroupDirs()) {
      const freezer = path.join(dir, 'freezer.state');
      if (fs.existsSync(freezer)) fs.writeFileSync(freezer, 'THAWED');
    }
    for (const p of procs) { try { process.kill(p.pid, 'SIGKILL'); } catch { /* gone */ } }
    const leftCgroups = this.cgroupDirs();
    if (leftCgroups.length > 0) problems.push(`cgroups: ${leftCgroups.join(', ')}`);
    for (const dir of leftCgroups) await rmdirRetry(dir);
    for (const m of cgroupMounts()) {
      const parent = path.join(m, this.cgroupParent);
      if (fs.existsSync(parent)) await rmdirRetry(parent).catch((e) => problems.push(`cgroup parent ${parent}: ${String(e)}`));
    }
    const nsDir = path.join(this.run, 'netns');
    const leftNetns = readdir(nsDir);
    if (leftNetns.length > 0) problems.push(`netns in ${nsDir}: ${leftNetns.join(', ')}`);
    const mounts = mountsUnder(this.base);
    const unexpected = mounts.filter((m, i) => !(m === nsDir && mounts.indexOf(m) === i));
    if (unexpected.length > 0) problems.push(`mounts: ${unexpected.join(', ')}`);
    // Deepest first, each as often as it is stacked.
    for (const m of mounts.sort((a, b) => b.length - a.length)) {
      try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* already gone with its parent */ }
    }
    const still = mountsUnder(this.base);
    if (still.length > 0) problems.push(`mounts that would not unmount: ${still.join(', ')}`);
    return problems;
  }
}

// rmdir of a cgroup fails with EBUSY until the killed processes are reaped by the kernel.
async function rmdirRetry(dir: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      if (i >= 50) throw e;
      await sleep(100);
    }
  }
}

/**
 * Registers mocha hooks for one sandbox per describe (per file): before() makes it and the busybox
 * image (`berth image busybox`); afterEach() removes every container so tests do not see each
 * other's; after() runs {@link BerthSandbox.cleanup}, which fails the file on any leftover.
 */
export function useBerth(opts: { image?: boolean } = {}): BerthSandbox {
  const sb = new BerthSandbox();
  before(async function () {
    this.timeout(60_000);
    if (!fs.existsSync(BERTH_BIN)) throw new Error(`${BERTH_BIN} is missing: run \`node scripts/build.mjs\` first`);
    sb.init();
    if (opts.image !== false) await sb.ok(['image', 'busybox']);
  });
  afterEach(async function () {
    this.timeout(60_000);
    await sb.removeAllContainers();
  });
  after(async function () {
    this.timeout(60_000);
    await sb.cleanup();
  });
  return sb;
}

/** Polls `fn` until it returns a truthy value or `ms` pass; returns the last value. */
export async function waitFor<T>(fn: () => T | Promise<T>, ms = 5000, step = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() >= end) return v;
    await sleep(step);
  }
}
