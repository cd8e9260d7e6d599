// ADD and DEL latency of our built host-local (dist/bin/host-local) against Debian's reference
// (/usr/lib/cni/host-local), in one run, alternating which goes first so that machine noise falls on
// both alike. Standalone: `npx tsx bench/host-local.ts [iterations]` (run `npm run build` first).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { printRows, summarize, type BenchRow } from './stats';

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
 * p50/p95 rows (ours vs reference) per verb. The environment holds only PATH and the CNI_* variables:
 * in particular no NODE_EXTRA_CA_CERTS, which Node would parse at every start (~40 ms).
 */
export async function benchHostLocal(opts: HostLocalBenchOptions = {}): Promise<BenchRow[]> {
  const iterations = opts.iterations ?? 100;
  const bins = { ours: opts.ours ?? DEFAULT_OURS, reference: opts.reference ?? DEFAULT_REFERENCE } as const;
  for (const bin of Object.values(bins)) if (!fs.existsSync(bin)) throw new Error(`${bin} is missing (npm run build; apt-get install containernetworking-plugins)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-hl-'));
  try {
    const rows: BenchRow[] = [];
    for (const verb of ['ADD', 'DEL'] as const) {
      const samples = { ours: [] as number[], reference: [] as number[] };
      for (let i = 0; i < iterations; i++) {
        const order: Array<keyof typeof bins> = i % 2 === 0 ? ['ours', 'reference'] : ['reference', 'ours'];
        for (const who of order) samples[who].push(runOnce(bins[who], verb, `bench-${i}`, path.join(tmp, who)));
      }
      rows.push({ name: `host-local ${verb}`, unit: 'ms', ours: summarize(samples.ours), reference: summarize(samples.reference), referenceName: 'ref host-local' });
    }
    return rows;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
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
  const start = process.hrtime.bigint();
  const r = spawnSync(bin, [], { input: conf, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${bin} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return ms;
}

if (require.main === module) {
  const iterations = Number(process.argv[2] ?? 100);
  benchHostLocal({ iterations }).then(
    (rows) => printRows('host-local ADD/DEL: ours vs reference', rows),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
