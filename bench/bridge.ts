// The bridge plugin against the reference (/usr/lib/cni/bridge) in one run: ADD and DEL latency with
// and without ipMasq (alternating which goes first), an 8-way storm of ADDs then DELs, and ADD latency
// at the 1st against the Nth attachment of one bridge. Ours uses our host-local (in-process), the
// reference /usr/lib/cni/host-local. Standalone, as root after `npm run build`:
// `npx tsx bench/bridge.ts [iterations=30] [scaleN=1000] [stormCount=200]`. Figures only, never assertions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchWorld, ok, type Subject } from './bridge-harness';
import { PhaseSamples } from './phases';
import { printRows, summarize, type BenchRow } from './stats';

/** Knobs of benchBridge. */
export interface BridgeBenchOptions {
  /** ADD+DEL pairs per plugin and mode (default 30). */
  iterations?: number;
  /** Parallel workers and attachments of the storm (default 8 and 200). */
  stormWorkers?: number;
  stormCount?: number;
  /** Attachments on one bridge for the 1st-vs-Nth test (default 1000; 0 skips it: it takes minutes). */
  scaleN?: number;
  /** Called with each part's rows as soon as it is done (a long run shows progress, and a failure keeps them). */
  onRows?: (title: string, rows: BenchRow[]) => void;
}

const DIST = path.resolve(__dirname, '../dist/bin');
const REF = '/usr/lib/cni';
let SUBJECTS: readonly Subject[] = [];

/**
 * Runs every part and returns the rows (ms; for the storm, wall time of the whole phase). Our plugins
 * are copied out of dist/bin first, so a rebuild during a long run cannot pull them away.
 */
export async function benchBridge(opts: BridgeBenchOptions = {}): Promise<BenchRow[]> {
  for (const f of [path.join(DIST, 'bridge'), path.join(REF, 'bridge')]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing (npm run build; apt-get install containernetworking-plugins)`);
  }
  const ours = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-bin-'));
  try {
    fs.cpSync(DIST, ours, { recursive: true });
    for (const f of ['bridge', 'host-local']) fs.chmodSync(path.join(ours, f), 0o755);
    SUBJECTS = [
      { label: 'ours', bin: path.join(ours, 'bridge'), cniPath: ours, bridge: 'bb-ours', network: 'bench-ours', subnet: '10.201.0.0/16' },
      { label: 'reference', bin: path.join(REF, 'bridge'), cniPath: REF, bridge: 'bb-ref', network: 'bench-ref', subnet: '10.202.0.0/16' },
    ];
    const rows: BenchRow[] = [];
    const part = (title: string, got: BenchRow[]): void => {
      rows.push(...got);
      opts.onRows?.(title, got);
    };
    for (const ipMasq of [false, true]) part(`ADD/DEL latency${ipMasq ? ', ipMasq' : ''}`, await latency(opts.iterations ?? 30, ipMasq));
    part('peak RSS of one exec', await peakRss(Math.min(5, opts.iterations ?? 30)));
    if ((opts.stormCount ?? 200) > 0) for (const ipMasq of [false, true]) part(`storm${ipMasq ? ', ipMasq' : ''}`, await storm(opts.stormWorkers ?? 8, opts.stormCount ?? 200, ipMasq));
    if ((opts.scaleN ?? 1000) > 0) part('1st vs Nth attachment', await scale(opts.scaleN ?? 1000));
    return rows;
  } finally {
    fs.rmSync(ours, { recursive: true, force: true });
  }
}

function row(name: string, ours: number[], reference: number[], unit = 'ms'): BenchRow {
  return { name, unit, ours: summarize(ours), reference: summarize(reference), referenceName: 'ref' };
}

/**
 * ADD then DEL of one attachment, alternating which plugin goes first. DEL carries ADD's result as
 * prevResult, as libcni (containerd, cri-o, podman) sends it from its cache. Ours runs with
 * BERTH_PHASES=1 and its phase breakdown is printed.
 */
async function latency(iterations: number, ipMasq: boolean): Promise<BenchRow[]> {
  const w = new BenchWorld('lat');
  const t = { ours: { add: [] as number[], del: [] as number[] }, reference: { add: [] as number[], del: [] as number[] } };
  const phases = { add: new PhaseSamples(), del: new PhaseSamples() };
  try {
    for (let i = -2; i < iterations; i++) {
      for (const s of i % 2 === 0 ? SUBJECTS : [...SUBJECTS].reverse()) {
        const ns = w.container();
        const conf = w.conf(s, ipMasq);
        const env: Record<string, string> = s.label === 'ours' ? { BERTH_PHASES: '1' } : {};
        const add = ok(await w.run(s, 'ADD', ns, `c${i + 2}`, 'eth0', conf, env), `${s.label} ADD`);
        const prevResult = JSON.parse(add.stdout) as object;
        const del = ok(await w.run(s, 'DEL', ns, `c${i + 2}`, 'eth0', { ...conf, prevResult }, env), `${s.label} DEL`);
        w.dropContainer(ns);
        if (i < 0) continue; // the first two warm the page cache and create the bridges
        t[s.label].add.push(add.ms);
        t[s.label].del.push(del.ms);
        if (s.label === 'ours') {
          phases.add.add(add.stderr, add.ms);
          phases.del.add(del.stderr, del.ms);
        }
      }
    }
  } finally {
    w.close();
  }
  const m = ipMasq ? 'with ipMasq' : 'no ipMasq';
  phases.add.print(`bridge ADD ${m}`, t.ours.add);
  phases.del.print(`bridge DEL ${m}`, t.ours.del);
  return [row(`ADD ${m}`, t.ours.add, t.reference.add), row(`DEL ${m}`, t.ours.del, t.reference.del)];
}

/**
 * Peak RSS (maxrss, as GNU time reports it from wait4) of ADD and DEL with ipMasq: a Node process
 * against a Go binary, the memory each exec costs a node while the kubelet runs it.
 */
async function peakRss(iterations: number): Promise<BenchRow[]> {
  if (!fs.existsSync('/usr/bin/time')) {
    console.error('  peak RSS: /usr/bin/time is missing (apt-get install time); skipped');
    return [];
  }
  const w = new BenchWorld('rss');
  const kib = { ours: { add: [] as number[], del: [] as number[] }, reference: { add: [] as number[], del: [] as number[] } };
  const out = path.join(w.dataDir, 'maxrss');
  const timed = async (s: Subject, verb: string, ns: string, cid: string, conf: object): Promise<number> => {
    ok(await w.run(s, verb, ns, cid, 'eth0', conf, {}, ['/usr/bin/time', '-f', '%M', '-o', out]), `${s.label} ${verb} under time`);
    return Number(fs.readFileSync(out, 'utf8').trim().split('\n').pop()) / 1024;
  };
  try {
    for (let i = 0; i < iterations; i++) {
      for (const s of SUBJECTS) {
        const ns = w.container();
        const conf = w.conf(s, true);
        kib[s.label].add.push(await timed(s, 'ADD', ns, `r${i}`, conf));
        kib[s.label].del.push(await timed(s, 'DEL', ns, `r${i}`, conf));
        w.dropContainer(ns);
      }
    }
  } finally {
    w.close();
  }
  return [row('peak RSS, ADD with ipMasq', kib.ours.add, kib.reference.add, 'MiB'), row('peak RSS, DEL with ipMasq', kib.ours.del, kib.reference.del, 'MiB')];
}

/**
 * `count` ADDs by `workers` in parallel, then `count` DELs; wall time per phase, duplicate addresses,
 * and lost leases: host-local lease files missing after the ADDs (fewer than `count`) or left after
 * the DELs.
 */
async function storm(workers: number, count: number, ipMasq: boolean): Promise<BenchRow[]> {
  const out: Record<string, { add: number; del: number; dups: number; lost: number }> = {};
  for (const s of SUBJECTS) {
    const w = new BenchWorld('storm');
    try {
      const nss = Array.from({ length: count }, () => w.container());
      const conf = w.conf(s, ipMasq);
      const ips: string[] = [];
      const phase = async (verb: 'ADD' | 'DEL'): Promise<number> => {
        let next = 0;
        const start = performance.now();
        await Promise.all(Array.from({ length: workers }, async () => {
          for (let i = next++; i < count; i = next++) {
            const r = ok(await w.run(s, verb, nss[i]!, `s${i}`, 'eth0', conf), `${s.label} storm ${verb}`);
            if (verb === 'ADD') ips.push(...(JSON.parse(r.stdout).ips as Array<{ address: string }>).map((x) => x.address));
          }
        }));
        return performance.now() - start;
      };
      const leaseDir = path.join(w.dataDir, s.network);
      const leases = (): number => (fs.existsSync(leaseDir) ? fs.readdirSync(leaseDir) : []).filter((f) => /^[0-9a-f.:]+$/.test(f) && (f.includes('.') || f.includes(':'))).length;
      const add = await phase('ADD');
      const afterAdd = leases();
      const del = await phase('DEL');
      out[s.label] = { add, del, dups: ips.length - new Set(ips).size, lost: Math.abs(count - afterAdd) + leases() };
    } finally {
      w.close();
    }
  }
  const m = `${workers}-way storm of ${count}${ipMasq ? ', ipMasq' : ''}`;
  const o = out.ours!;
  const r = out.reference!;
  console.error(`  ${m}: duplicate addresses ours ${o.dups}, reference ${r.dups}; lost leases ours ${o.lost}, reference ${r.lost}`);
  return [row(`${m}: ADD wall`, [o.add], [r.add]), row(`${m}: DEL wall`, [o.del], [r.del])];
}

/** ADD latency of attachments 1-5 against N-4..N on one bridge (ipMasq on: the rules grow too). */
async function scale(n: number): Promise<BenchRow[]> {
  const res: Record<string, { first: number[]; last: number[] }> = {};
  const phases = { first: new PhaseSamples(), last: new PhaseSamples() };
  for (const s of SUBJECTS) {
    const w = new BenchWorld('scale');
    const first: number[] = [];
    const last: number[] = [];
    try {
      const conf = w.conf(s, true);
      const env: Record<string, string> = s.label === 'ours' ? { BERTH_PHASES: '1' } : {};
      for (let i = 0; i < n; i++) {
        const r = ok(await w.run(s, 'ADD', w.container(), `n${i}`, 'eth0', conf, env), `${s.label} scale ADD ${i}`);
        if (i < 5) first.push(r.ms);
        if (i >= n - 5) last.push(r.ms);
        if (s.label === 'ours' && i < 5) phases.first.add(r.stderr, r.ms);
        if (s.label === 'ours' && i >= n - 5) phases.last.add(r.stderr, r.ms);
      }
    } finally {
      w.close();
    }
    res[s.label] = { first, last };
  }
  phases.first.print('bridge ADD with ipMasq at attachments 1-5', res.ours!.first);
  phases.last.print(`bridge ADD with ipMasq at attachments ${n - 4}-${n}`, res.ours!.last);
  return [
    row(`ADD at attachments 1-5`, res.ours!.first, res.reference!.first),
    row(`ADD at attachments ${n - 4}-${n}`, res.ours!.last, res.reference!.last),
  ];
}

if (require.main === module) {
  if (process.getuid?.() !== 0) throw new Error('the bridge benchmark needs root (network namespaces)');
  const [iterations, scaleN, stormCount] = process.argv.slice(2).map(Number);
  benchBridge({
    iterations: iterations || undefined, scaleN: Number.isNaN(scaleN) ? undefined : scaleN, stormCount: Number.isNaN(stormCount) ? undefined : stormCount,
    onRows: (title, rows) => printRows(`bridge, ${title}: ours vs reference (ratio < 1: ours faster)`, rows),
  })
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
