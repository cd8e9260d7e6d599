// The container runtime against the reference runtimes in one run: `berth run --rm busybox true`
// against runc and crun on the same rootfs (network none, then berth's default bridge against runc
// with the reference CNI plugins around it), the ADD and DEL of berth's bridge conflist through
// CniRuntime with our plugins against the reference ones, and the memory of what stays with a running
// container. All state is throwaway (temp dirs, netns, a unique cgroup parent) and removed at the end,
// even on failure. Standalone, as root after `npm run build`: `npx tsx bench/runtime.ts [iterations=30]`.
// Figures only, never assertions.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CniRuntime, parseConfList, type NetworkConfigList } from '../lib/cni/runtime';
import { createNamedNetns, deleteNamedNetns, namedPath, withNetns, type Netns } from '../lib/netns';
import { ImageStore } from '../lib/runtime/image';
import { NetworkStore, networkConfList } from '../lib/runtime/network';
import { BenchWorld } from './bridge-harness';
import { pluginEnv } from './exec';
import {
  check, deleteLeftoverContainers, findProcess, ociRunCommand, removeCgroupTrees, sampleUntilGone, timedRun, unmountUnder, v1OnlyMountNamespace, writeBundle,
  type MemorySample, type OciRuntime,
} from './runtime-bundle';
import { percentile } from './stats';

/** One printed row: our samples against the reference's (ratio of medians, ours / reference). */
export interface RuntimeRow {
  readonly name: string;
  readonly unit: string;
  readonly ours: readonly number[];
  readonly reference: readonly number[];
  readonly referenceName: string;
}

/** A table of rows and the note printed under it (what exactly is compared). */
export interface RuntimeTable {
  readonly title: string;
  readonly rows: readonly RuntimeRow[];
  readonly note: string;
}

/** Knobs of benchRuntime. */
export interface RuntimeBenchOptions {
  /** Timed runs per subject, after 2 warm-ups each (default 30). */
  iterations?: number;
  /** Containers whose supervisor memory is sampled (default 5). */
  memoryRuns?: number;
  /** Called with each table as soon as it is done (a failure later keeps what was printed). */
  onTable?: (table: RuntimeTable) => void;
}

const DIST = path.resolve(__dirname, '../dist/bin');
const BERTH = path.join(DIST, 'berth');
const REF_CNI = '/usr/lib/cni';
/** The reference plugins (1.1.1) speak up to 1.0.0; both sides get the list at that version. */
const CNI_VERSION = '1.0.0';

/** Prints a table as p50/p90 with the ratio of medians (below 1.0: ours is faster or smaller), then its note. */
export function printRuntimeTable(t: RuntimeTable): void {
  console.log(`\n${t.title}`);
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));
  const pp = (s: readonly number[], unit: string) => `p50 ${fmt(percentile(s, 50)).padStart(7)} p90 ${fmt(percentile(s, 90)).padStart(7)} ${unit}`;
  for (const r of t.rows) {
    const ratio = percentile(r.ours, 50) / percentile(r.reference, 50);
    console.log(`  ${r.name.padEnd(40)} ours ${pp(r.ours, r.unit)} | ${r.referenceName.padEnd(14)} ${pp(r.reference, r.unit)} | ratio p50 ${ratio.toPrecision(3)}x (n=${r.ours.length}/${r.reference.length})`);
  }
  for (const line of t.note.split('\n')) console.log(`  · ${line}`);
}

/** Everything one run of the bench creates, so that close() can remove it whatever happened. */
class RuntimeWorld {
  readonly tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-rt-'));
  readonly berthCgroup = `berth-bench-${process.pid}`;
  readonly ociCgroup = `berth-bench-${process.pid}-oci`;
  readonly env = pluginEnv({
    BERTH_ROOT: path.join(this.tmp, 'root'), BERTH_RUN: path.join(this.tmp, 'run'), BERTH_CNI_DIR: path.join(this.tmp, 'cni'), BERTH_CGROUP_PARENT: this.berthCgroup,
  });
  readonly runc: OciRuntime = { name: 'runc', bin: '/usr/sbin/runc', stateDir: path.join(this.tmp, 'runc-state'), via: [] };
  crun: OciRuntime = { name: 'crun', bin: '/usr/bin/crun', stateDir: path.join(this.tmp, 'crun-state'), via: [] };
  /** Set when crun has to be started through nsenter: why and at what cost, for the notes. */
  crunCaveat = '';
  /** Every throwaway host netns (berth's, runc's with the reference CNI, the attach bench's two). */
  readonly worlds: BenchWorld[] = [];
  /** The one berth runs in, where its leftover containers must be removed (their CNI DEL runs there). */
  berthHost: Netns | undefined;
  /** Named netns made outside a BenchWorld. */
  readonly netns: string[] = [];

  get runtimes(): readonly OciRuntime[] {
    return [this.runc, this.crun];
  }

  /**
   * One crun run of `bundle`. crun refuses a hybrid cgroup host whose cgroup2 mount holds any
   * controller (here hugetlb, which no v1 hierarchy took), even with cgroups disabled; runc and berth
   * use the v1 controllers there. Then crun is started through nsenter in a mount namespace without
   * the cgroup2 mount, so it makes its cgroups in v1 like the others; what nsenter costs is measured.
   */
  async probeCrun(bundle: string, host: Netns, n: number): Promise<void> {
    const r = await timedRun(...ociRunCommand(this.crun, bundle, `bench-crun-probe-${process.pid}`), pluginEnv({}), host);
    if (r.code === 0) return;
    if (!/hybrid mode not supported/.test(r.stderr)) check(r, 'crun run');
    const nsFile = v1OnlyMountNamespace(path.join(this.tmp, 'crun-mntns'));
    this.crun = { ...this.crun, via: ['nsenter', `--mount=${nsFile}`] };
    check(await timedRun(...ociRunCommand(this.crun, bundle, `bench-crun-probe2-${process.pid}`), pluginEnv({}), host), 'crun run (v1-only mount namespace)');
    const [wrapped, bare] = await rounds(n, [
      async () => check(await timedRun('nsenter', [`--mount=${nsFile}`, '/bin/true'], pluginEnv({})), 'nsenter').ms,
      async () => (await timedRun('/bin/true', [], pluginEnv({}))).ms,
    ]);
    const cost = percentile(wrapped!, 50) - percentile(bare!, 50);
    this.crunCaveat = `\ncrun says "${r.stderr.trim()}" on this host, so it is\n` +
      'started through `nsenter --mount` in a mount namespace without the cgroup2 mount (it then makes v1 cgroups, as runc\n' +
      `and berth do); its figures include that extra exec, ~${cost.toFixed(2)} ms at p50.`;
  }

  world(tag: string): BenchWorld {
    const w = new BenchWorld(tag);
    this.worlds.push(w);
    return w;
  }

  berth(host: Netns, ...args: string[]) {
    return timedRun(BERTH, args, this.env, host);
  }

  /** The image rootfs berth's busybox containers get as their overlay lower dir. */
  async busyboxRootfs(host: Netns): Promise<string> {
    check(await this.berth(host, 'image', 'busybox'), 'berth image busybox');
    const store = new ImageStore({ root: this.env.BERTH_ROOT });
    return store.rootfs((await store.resolve('busybox')).id);
  }

  /** berth's default bridge conflist (berth0, 10.87.0.0/16, ipMasq), leases under `cniDir`, at CNI_VERSION. */
  bridgeList(cniDir: string): NetworkConfigList {
    const net = new NetworkStore({ root: this.env.BERTH_ROOT!, cniDir }).get('bridge');
    const list = JSON.parse(networkConfList(net, cniDir).bytes.toString('utf8')) as Record<string, unknown>;
    return parseConfList(JSON.stringify({ ...list, cniVersion: CNI_VERSION }), 'berth bridge (bench)');
  }

  async close(): Promise<void> {
    const problems: string[] = [];
    const step = async (what: string, fn: () => unknown): Promise<void> => {
      try { await fn(); } catch (err) { problems.push(`${what}: ${(err as Error).message}`); }
    };
    const host = this.berthHost;
    if (host) {
      await step('berth rm -f', async () => {
        const ids = (await this.berth(host, 'ps', '-aq')).stdout.split('\n').filter(Boolean);
        if (ids.length > 0) await this.berth(host, 'rm', '-f', ...ids);
      });
    }
    for (const rt of this.runtimes) await step(`${rt.name} delete`, () => deleteLeftoverContainers(rt));
    for (const name of this.netns) await step(`netns ${name}`, () => deleteNamedNetns(name));
    await step('unmount', () => unmountUnder(this.tmp));
    for (const w of this.worlds) await step(`netns ${w.hostName}`, () => w.close());
    for (const cg of [this.berthCgroup, this.ociCgroup]) {
      await step(`cgroup ${cg}`, async () => {
        const left = await removeCgroupTrees(cg);
        if (left.length > 0) throw new Error(left.join(', '));
      });
    }
    await step('temp dir', () => fs.rmSync(this.tmp, { recursive: true, force: true }));
    if (problems.length > 0) console.error(`runtime bench clean-up left things behind: ${problems.join('; ')}`);
  }
}

/** A CniRuntime whose plugins start inside `host`, with a bare environment (as in bench/exec.ts). */
function cniRuntime(pluginDir: string, cacheDir: string, host: Netns): CniRuntime {
  return new CniRuntime({
    pluginPaths: [pluginDir], cacheDir, env: pluginEnv({}), stderr: () => undefined,
    spawn: (f, a, o) => withNetns(host, () => spawn(f, a, o)),
  });
}

/**
 * Runs `n` + 2 rounds of `subjects`, rotating who goes first so that drift hits all alike; each returns
 * its figure, and is told when it is one of the two untimed warm-ups (page cache, bridges, iptables).
 */
async function rounds(n: number, subjects: ReadonlyArray<(warmUp: boolean) => Promise<number>>): Promise<number[][]> {
  const out = subjects.map(() => [] as number[]);
  for (let i = -2; i < n; i++) {
    for (let k = 0; k < subjects.length; k++) {
      const j = (k + i + 2) % subjects.length;
      const ms = await subjects[j]!(i < 0);
      if (i >= 0) out[j]!.push(ms);
    }
  }
  return out;
}

/** Every table, each handed to `onTable` as soon as it is measured. */
export async function benchRuntime(opts: RuntimeBenchOptions = {}): Promise<RuntimeTable[]> {
  for (const f of [BERTH, path.join(DIST, 'berth-init'), path.join(DIST, 'bridge'), '/usr/sbin/runc', '/usr/bin/crun', path.join(REF_CNI, 'bridge')]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing (npm run build; apt-get install runc crun containernetworking-plugins)`);
  }
  const n = opts.iterations ?? 30;
  const tables: RuntimeTable[] = [];
  const done = (t: RuntimeTable): void => {
    tables.push(t);
    opts.onTable?.(t);
  };
  const w = new RuntimeWorld();
  try {
    const host = w.world('rt');
    w.berthHost = host.host;
    const refHost = w.world('rtref');
    const rootfs = await w.busyboxRootfs(host.host);
    const runc = w.runc;
    const bundle = (name: string, args: string[], netnsPath?: string) =>
      writeBundle(path.join(w.tmp, `bundle-${name}`), { rootfs, args, cgroupsPath: `/${w.ociCgroup}/${name}`, ...(netnsPath ? { netnsPath } : {}) });
    let seq = 0;
    const oci = async (rt: OciRuntime, b: string, netns: Netns) => check(await timedRun(...ociRunCommand(rt, b, `bench-${rt.name}-${seq++}`), pluginEnv({}), netns), `${rt.name} run`).ms;
    const berthRun = async (...net: string[]) => check(await w.berth(host.host, 'run', '--rm', ...net, 'busybox', 'true'), 'berth run').ms;

    // 1. network none against runc and crun.
    const runcTrue = bundle('runc-true', ['true']);
    const crunTrue = bundle('crun-true', ['true']);
    await w.probeCrun(crunTrue, host.host, n);
    const [none, runcMs, crunMs] = await rounds(n, [() => berthRun('--network', 'none'), () => oci(runc, runcTrue, host.host), () => oci(w.crun, crunTrue, host.host)]);
    done({
      title: 'Runtime: run --rm busybox true, --network none (wall time, exec to exit)',
      rows: [
        { name: 'berth run vs runc run', unit: 'ms', ours: none!, reference: runcMs!, referenceName: 'runc' },
        { name: 'berth run vs crun run', unit: 'ms', ours: none!, reference: crunMs!, referenceName: 'crun' },
      ],
      note: 'Same rootfs: berth\'s busybox image dir. berth mounts an overlay on it per container (and removes it);\n' +
        'runc and crun use it in place (config.json from `runc spec`, root writable, no terminal). All three make new\n' +
        'pid, mount, ipc, uts and net namespaces and a cgroup; berth also creates and records the container, keeps its log,\n' +
        'and brings lo up. ours includes the berth CLI\'s Node start-up and its Node init (berth-init) before execve.' + w.crunCaveat,
    });

    // 2. the default bridge: berth against runc with the reference plugins around it, as containerd runs them.
    const ctNs = `${refHost.hostName}-ct`;
    w.netns.push(ctNs);
    const refList = w.bridgeList(path.join(w.tmp, 'ref-cni'));
    const refCni = cniRuntime(REF_CNI, path.join(w.tmp, 'ref-cni'), refHost.host);
    const runcNet = bundle('runc-net', ['true'], namedPath(ctNs));
    const runcWithCni = async (): Promise<number> => {
      const start = performance.now();
      createNamedNetns(ctNs).close();
      const rt = { containerId: `bench-cni-${seq++}`, netns: namedPath(ctNs), ifName: 'eth0' };
      await refCni.addNetworkList(refList, rt);
      await oci(runc, runcNet, refHost.host);
      await refCni.delNetworkList(refList, rt);
      deleteNamedNetns(ctNs);
      return performance.now() - start;
    };
    const [bridge, runcCni] = await rounds(n, [() => berthRun(), runcWithCni]);
    done({
      title: 'Runtime: run --rm busybox true on the default bridge (berth0, ipMasq)',
      rows: [
        { name: 'berth run bridge vs runc + ref CNI', unit: 'ms', ours: bridge!, reference: runcCni!, referenceName: 'runc+refCNI' },
        { name: 'network cost: berth bridge vs none', unit: 'ms', ours: bridge!, reference: none!, referenceName: 'berth none' },
      ],
      note: 'runc + ref CNI: netns create, /usr/lib/cni bridge+host-local ADD (same conflist at 1.0.0), runc run joining\n' +
        'that netns, DEL, netns delete, all driven from this already-running process (as containerd does): no CLI start-up.\n' +
        'berth\'s bridge run execs our bridge plugin (1.1.0 conflist). The second row is berth against itself: the bridge\'s\n' +
        'price over --network none (none measured in the table above).',
    });

    // 3. ADD and DEL of berth's bridge conflist through CniRuntime, ours against the reference plugins.
    const cni = { ours: { add: [] as number[], del: [] as number[] }, reference: { add: [] as number[], del: [] as number[] } };
    const subjects = (['ours', 'reference'] as const).map((label) => {
      const cw = w.world(label === 'ours' ? 'rtcni' : 'rtcnir');
      return { label, cw, list: w.bridgeList(cw.dataDir), runtime: cniRuntime(label === 'ours' ? DIST : REF_CNI, cw.dataDir, cw.host) };
    });
    await rounds(n, subjects.map((s) => async (warmUp) => {
      const ns = s.cw.container();
      const rt = { containerId: `bench-attach-${seq++}`, netns: namedPath(ns), ifName: 'eth0' };
      const t0 = performance.now();
      await s.runtime.addNetworkList(s.list, rt);
      const t1 = performance.now();
      await s.runtime.delNetworkList(s.list, rt);
      const t2 = performance.now();
      s.cw.dropContainer(ns);
      if (!warmUp) {
        cni[s.label].add.push(t1 - t0);
        cni[s.label].del.push(t2 - t1);
      }
      return 0; // two figures per run: kept above
    }));
    done({
      title: 'Network attach: berth bridge conflist through CniRuntime (ADD, then DEL)',
      rows: [
        { name: 'ADD bridge+host-local, ipMasq', unit: 'ms', ours: cni.ours.add, reference: cni.reference.add, referenceName: 'ref plugins' },
        { name: 'DEL', unit: 'ms', ours: cni.ours.del, reference: cni.reference.del, referenceName: 'ref plugins' },
      ],
      note: 'lib/cni/runtime CniRuntime.addNetworkList/delNetworkList (result cache included) with plugins spawned in a\n' +
        'throwaway host netns; ours = dist/bin bridge (host-local in-process), reference = /usr/lib/cni bridge + host-local.',
    });

    // 4. memory of what stays with a running container, and the init's start-up.
    done(await memoryTable(w, host.host, opts.memoryRuns ?? 5, { runc: bundle('runc-sleep', ['sleep', '1']), crun: bundle('crun-sleep', ['sleep', '1']) }, n));
    return tables;
  } finally {
    await w.close();
  }
}

/** Part 4: what stays with a running container (berth run -d vs a foreground runc/crun run), and init start-up. */
async function memoryTable(w: RuntimeWorld, host: Netns, runs: number, bundles: Record<'runc' | 'crun', string>, n: number): Promise<RuntimeTable> {
  const mib = (s: MemorySample[], k: keyof MemorySample) => s.map((x) => x[k] / 1024);
  const berth: MemorySample[] = [];
  const ref: Record<'runc' | 'crun', MemorySample[]> = { runc: [], crun: [] };
  for (let i = 0; i < runs; i++) {
    const id = check(await w.berth(host, 'run', '-d', '--rm', '--network', 'none', 'busybox', 'sleep', '1'), 'berth run -d').stdout.trim();
    const pid = findProcess(['__supervise', id]);
    if (pid === undefined) throw new Error(`no berth __supervise process for container ${id}`);
    const m = await sampleUntilGone(pid);
    if (m) berth.push(m);
    for (const rt of w.runtimes) {
      let sampling: Promise<MemorySample | undefined> = Promise.resolve(undefined);
      check(await timedRun(...ociRunCommand(rt, bundles[rt.name], `bench-mem-${rt.name}-${i}`), pluginEnv({}), host, (p) => {
        sampling = sampleUntilGone(p, 20, (exe) => exe !== process.execPath && !rt.via.includes(path.basename(exe)));
      }), `${rt.name} run sleep`);
      const r = await sampling;
      if (r) ref[rt.name].push(r);
    }
  }
  // berth-init's start-up: exec until it reads its spec (here: end-of-file at once, so it exits 1).
  const initStart = async (): Promise<number> => {
    const start = performance.now();
    const child = spawn(path.join(DIST, 'berth-init'), [], { env: pluginEnv({}), stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    (child.stdio[3] as NodeJS.WritableStream).end();
    await new Promise((r) => child.once('close', r));
    return performance.now() - start;
  };
  const [init, runcStart] = await rounds(n, [initStart, async () => (await timedRun('/usr/sbin/runc', ['--version'], pluginEnv({}))).ms]);
  return {
    title: 'Memory: berth __supervise against the runtime process that waits for the container; init start-up',
    rows: [
      { name: 'peak RSS (VmHWM), vs runc', unit: 'MiB', ours: mib(berth, 'hwmKiB'), reference: mib(ref.runc, 'hwmKiB'), referenceName: 'runc run' },
      { name: 'peak RSS (VmHWM), vs crun', unit: 'MiB', ours: mib(berth, 'hwmKiB'), reference: mib(ref.crun, 'hwmKiB'), referenceName: 'crun run' },
      { name: 'median RSS while running, vs runc', unit: 'MiB', ours: mib(berth, 'rssKiB'), reference: mib(ref.runc, 'rssKiB'), referenceName: 'runc run' },
      { name: 'init start-up: berth-init vs runc', unit: 'ms', ours: init!, reference: runcStart!, referenceName: 'runc --version' },
    ],
    note: 'Container: busybox sleep 1. berth: `run -d` leaves a `berth __supervise` Node process (log, exit, clean-up); runc\n' +
      'and crun `run -d` leave nothing, so their column is the foreground `run` process, the one that waits for the same\n' +
      'container. /proc/<pid>/status sampled every 20 ms until the process is gone. Init start-up: berth-init (Node, exec\n' +
      'to reading its spec) against the runc binary\'s start (`runc init` re-execs it); crun sets up in C with no exec.' + w.crunCaveat,
  };
}

if (require.main === module) {
  if (process.getuid?.() !== 0) throw new Error('the runtime benchmark needs root (namespaces, cgroups)');
  const iterations = Number(process.argv[2]);
  benchRuntime({ iterations: iterations || undefined, memoryRuns: iterations ? Math.min(5, iterations) : undefined, onTable: printRuntimeTable }).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
