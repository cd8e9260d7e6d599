// The plugins a Kubernetes node runs besides the main one, ours against the reference in one run:
// loopback ADD/DEL (containerd runs it for every pod) and portmap ADD/DEL with two mappings (iptables
// backend), each in a throwaway host netns with a container netns, alternating which goes first.
// Standalone: `npx tsx bench/chained.ts [iterations=30]` (run `npm run build` first).
import fs from 'node:fs';
import path from 'node:path';
import { createNamedNetns, deleteNamedNetns, namedPath, type Netns } from '../lib/netns';
import { pluginEnv, timedExec } from './exec';
import { printRows, summarize, type BenchRow } from './stats';

const DIST = path.resolve(__dirname, '../dist/bin');
const REF = '/usr/lib/cni';

/** Options of benchChained. */
export interface ChainedBenchOptions {
  iterations?: number;
}

/** p50/p95 rows per plugin and verb. */
export async function benchChained(opts: ChainedBenchOptions = {}): Promise<BenchRow[]> {
  const iterations = opts.iterations ?? 30;
  for (const f of ['loopback', 'portmap']) {
    for (const dir of [DIST, REF]) if (!fs.existsSync(path.join(dir, f))) throw new Error(`${path.join(dir, f)} is missing (npm run build; apt-get install containernetworking-plugins)`);
  }
  const tag = process.pid.toString(36);
  const hostName = `berth-bench-ch-h-${tag}`;
  const ctrName = `berth-bench-ch-c-${tag}`;
  const host = createNamedNetns(hostName);
  createNamedNetns(ctrName).close();
  try {
    const rows: BenchRow[] = [];
    for (const plugin of ['loopback', 'portmap'] as const) {
      const samples = { ADD: { ours: [] as number[], reference: [] as number[] }, DEL: { ours: [] as number[], reference: [] as number[] } };
      for (let i = 0; i < iterations; i++) {
        const order = i % 2 === 0 ? (['ours', 'reference'] as const) : (['reference', 'ours'] as const);
        for (const who of order) {
          const dir = who === 'ours' ? DIST : REF;
          for (const verb of ['ADD', 'DEL'] as const) {
            samples[verb][who].push(await call(host, dir, plugin, verb, namedPath(ctrName), `bench-${who}-${i}`));
          }
        }
      }
      for (const verb of ['ADD', 'DEL'] as const) {
        rows.push({ name: `${plugin} ${verb}`, unit: 'ms', ours: summarize(samples[verb].ours), reference: summarize(samples[verb].reference), referenceName: `ref ${plugin}` });
      }
    }
    return rows;
  } finally {
    host.close();
    deleteNamedNetns(ctrName);
    deleteNamedNetns(hostName); // takes every rule the runs wrote
  }
}

async function call(host: Netns, dir: string, plugin: 'loopback' | 'portmap', verb: 'ADD' | 'DEL', netns: string, id: string): Promise<number> {
  const conf = plugin === 'loopback'
    ? { cniVersion: '1.0.0', name: 'bench-lo', type: 'loopback' }
    : {
        cniVersion: '1.0.0', name: 'bench-pm', type: 'portmap',
        runtimeConfig: { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }, { hostPort: 15353, containerPort: 53, protocol: 'udp' }] },
        ...(verb === 'ADD' ? { prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: netns }], ips: [{ interface: 0, address: '10.98.0.2/24' }] } } : {}),
      };
  const env = pluginEnv({ CNI_COMMAND: verb, CNI_CONTAINERID: id, CNI_IFNAME: plugin === 'loopback' ? 'lo' : 'eth0', CNI_NETNS: netns, CNI_PATH: dir });
  const r = await timedExec(path.join(dir, plugin), env, JSON.stringify(conf), host);
  if (r.code !== 0) throw new Error(`${dir}/${plugin} ${verb} failed (${r.code}): ${r.stdout}${r.stderr}`);
  return r.ms;
}

if (require.main === module) {
  if (process.getuid?.() !== 0) throw new Error('the chained-plugin benchmark needs root (network namespaces)');
  benchChained({ iterations: Number(process.argv[2] ?? 30) })
    .then((rows) => printRows('loopback and portmap ADD/DEL: ours vs reference (ratio < 1: ours faster)', rows))
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
