// ADD and DEL latency of our built host-local (dist/bin/host-local) against Debian's reference
// (/usr/lib/cni/host-local), in one run, alternating which goes first so that machine noise falls on
// both alike. Standalone: `npx tsx bench/host-local.ts [iterations]` (run `npm run build` first).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One measured series. Times are wall-clock milliseconds from spawn to exit. */
export interface BenchRow {
  /** `node` is the floor: `node -e ''` with the same environment, i.e. what any Node plugin pays. */
  plugin: 'berth' | 'reference' | 'node';
  verb: 'ADD' | 'DEL' | 'START';
  iterations: number;
  p50: number;
  p95: number;
  mean: number;
}

/** Options of benchHostLocal. */
export interface HostLocalBenchOptions {
  iterations?: number;
  ours?: string;
  reference?: string;
}

const DEFAULT_OURS = path.resolve(__dirname, '../dist/bin/host-local');
const DEFAULT_REFERENCE = '/usr/lib/cni/host-local';

/**
 * Runs `iterations` ADDs, then as many DELs, with each plugin on its own throwaway store, and returns
 * p50/p95/mean per plugin and verb. The environment holds only PATH and the CNI_* variables: in
 * particular no NODE_EXTRA_CA_CERTS, which Node would parse at every start (~40 ms).
 */
export async function benchHostLocal(opts: HostLocalBenchOptions = {}): Promise<BenchRow[]> {
  const iterations = opts.iterations ?? 100;
  const bins = { berth: opts.ours ?? DEFAULT_OURS, reference: opts.reference ?? DEFAULT_REFERENCE } as const;
  for (const bin of Object.values(bins)) if (!fs.existsSync(bin)) throw new Error(`${bin} is missing (npm run build; apt-get install containernetworking-plugins)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-hl-'));
  try {
    const samples = new Map<string, number[]>();
    const record = (plugin: keyof typeof bins, verb: 'ADD' | 'DEL', i: number): void => {
      const ms = runOnce(bins[plugin], verb, `bench-${i}`, path.join(tmp, plugin));
      const key = `${plugin} ${verb}`;
      samples.set(key, [...(samples.get(key) ?? []), ms]);
    };
    const floor: number[] = [];
    samples.set('node START', floor);
    for (const verb of ['ADD', 'DEL'] as const) {
      for (let i = 0; i < iterations; i++) {
        const order: Array<keyof typeof bins> = i % 2 === 0 ? ['berth', 'reference'] : ['reference', 'berth'];
        for (const plugin of order) record(plugin, verb, i);
        if (verb === 'ADD') floor.push(timeSpawn(process.execPath, ['-e', ''], '', { PATH: process.env.PATH ?? '/usr/bin:/bin' }));
      }
    }
    return [...samples].map(([key, xs]) => {
      const [plugin, verb] = key.split(' ') as [BenchRow['plugin'], BenchRow['verb']];
      const sorted = [...xs].sort((a, b) => a - b);
      return { plugin, verb, iterations: xs.length, p50: pct(sorted, 0.5), p95: pct(sorted, 0.95), mean: xs.reduce((a, b) => a + b, 0) / xs.length };
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The table and the berth/reference ratio of p50 and p95 per verb, as printed by the standalone run. */
export function formatRows(rows: readonly BenchRow[]): string {
  const lines = ['plugin     verb  n     p50 ms   p95 ms   mean ms'];
  for (const r of rows) {
    lines.push(`${r.plugin.padEnd(10)} ${r.verb.padEnd(5)} ${String(r.iterations).padEnd(5)} ${fix(r.p50)} ${fix(r.p95)} ${fix(r.mean)}`);
  }
  for (const verb of ['ADD', 'DEL'] as const) {
    const ours = rows.find((r) => r.plugin === 'berth' && r.verb === verb);
    const ref = rows.find((r) => r.plugin === 'reference' && r.verb === verb);
    if (ours && ref) lines.push(`${verb} ratio berth/reference: p50 ${(ours.p50 / ref.p50).toFixed(1)}x, p95 ${(ours.p95 / ref.p95).toFixed(1)}x`);
  }
  const floor = rows.find((r) => r.plugin === 'node');
  const add = rows.find((r) => r.plugin === 'berth' && r.verb === 'ADD');
  if (floor && add) lines.push(`berth ADD p50 above a bare \`node -e ''\` start: ${(add.p50 - floor.p50).toFixed(1)} ms`);
  return lines.join('\n');
}

function runOnce(bin: string, verb: 'ADD' | 'DEL', containerID: string, dataDir: string): number {
  const conf = JSON.stringify({
    cniVersion: '1.0.0', name: 'benchnet', type: 'bridge',
    ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.77.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }] },
  });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: verb, CNI_CONTAINERID: containerID,
    CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/berth-bench-none', CNI_PATH: path.dirname(bin),
  };
  return timeSpawn(bin, [], conf, env);
}

function timeSpawn(bin: string, args: string[], input: string, env: Record<string, string>): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(bin, args, { input, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${bin} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return ms;
}

function pct(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function fix(n: number): string {
  return n.toFixed(1).padStart(8);
}

if (require.main === module) {
  const iterations = Number(process.argv[2] ?? 100);
  benchHostLocal({ iterations }).then(
    (rows) => console.log(formatRows(rows)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
