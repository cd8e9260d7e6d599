// The overlay (issue 7) on simulated hosts: how fast berthd's peers converge when a node joins or leaves
// (file store, and etcd when /usr/bin/etcd is there), and what the VXLAN path costs two containers on
// different hosts against two on one host's bridge: ICMP round trips and TCP throughput (iperf3). The
// hosts are netns on one VM joined by veths (bench/overlay-cluster.ts); all of it is removed at the end,
// even on failure. Standalone, as root after `npm run build`: `npx tsx bench/overlay.ts [quick]`.
// Figures only, never assertions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OverlayConfig } from '../lib/overlay/types';
import { FileStore } from '../lib/overlay/stores';
import { OverlayCluster, UNDERLAY_PREFIX, type SimContainer, type SimHost } from './overlay-cluster';
import { awaitMesh, measureConvergence, type ConvergenceSamples } from './overlay-convergence';
import { LeaseClock } from './overlay-lease-clock';
import { iperf, ping, type IperfRun, type PingRun } from './overlay-traffic';
import { percentile } from './stats';

/** Knobs of benchOverlay. */
export interface OverlayBenchOptions {
  /** Joins (each followed by a leave) timed per store (default 20). */
  joins?: number;
  /** ping runs per path, alternating paths (default 5), each of `pingCount` pings 20 ms apart. */
  pingRuns?: number;
  /** Pings per run (default 50). */
  pingCount?: number;
  /** iperf3 tests per path, alternating paths (default 3). */
  iperfRuns?: number;
  /** Length of each iperf3 test, s (default 3). */
  iperfSeconds?: number;
  /** Time the etcd store too (default: when /usr/bin/etcd exists). */
  etcd?: boolean;
  /** Called with each table as soon as it is done (a failure later keeps what was printed). */
  onTable?: (table: OverlayTable) => void;
}

/** One printed row: samples, and for a comparison the reference path's samples (ratio of medians). */
export interface OverlayRow {
  readonly name: string;
  readonly unit: string;
  readonly samples: readonly number[];
  readonly reference?: readonly number[];
}

/** A table: what its samples are (`subject`), what the reference is, the rows and a note. */
export interface OverlayTable {
  readonly title: string;
  readonly subject: string;
  readonly referenceName?: string;
  readonly rows: readonly OverlayRow[];
  readonly note: string;
}

const NETWORK = 'bov';
const CONFIG: OverlayConfig = { Network: '10.248.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 48, Port: 4789 } };
const DEVICE = `berth.${CONFIG.Backend.VNI}`;
const ETCD_BIN = '/usr/bin/etcd';

/** Prints a table: p50/p90 (min/max without a reference), or against the reference with the ratio of medians. */
export function printOverlayTable(t: OverlayTable): void {
  console.log(`\n${t.title}`);
  const fmt = (n: number) => (Number.isNaN(n) ? '-' : n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3));
  const pp = (s: readonly number[]) => `p50 ${fmt(percentile(s, 50)).padStart(7)} p90 ${fmt(percentile(s, 90)).padStart(7)}`;
  for (const r of t.rows) {
    if (r.reference === undefined) {
      const range = `min ${fmt(Math.min(...r.samples)).padStart(7)} max ${fmt(Math.max(...r.samples)).padStart(7)}`;
      console.log(`  ${r.name.padEnd(44)} ${pp(r.samples)} ${range} ${r.unit} (n=${r.samples.length})`);
    } else {
      const [ours, ref] = [percentile(r.samples, 50), percentile(r.reference, 50)];
      const ratio = ref === 0 ? '-' : `${(ours / ref).toPrecision(3)}x`;
      console.log(`  ${r.name.padEnd(30)} ${t.subject} ${pp(r.samples)} ${r.unit} | ${t.referenceName ?? 'reference'} ${pp(r.reference)} ${r.unit}` +
        ` | ratio p50 ${ratio} (n=${r.samples.length}/${r.reference.length})`);
    }
  }
  for (const line of t.note.split('\n')) console.log(`  · ${line}`);
}

/** Runs the convergence part on each store, then the traffic part; returns the tables in order. */
export async function benchOverlay(opts: OverlayBenchOptions = {}): Promise<OverlayTable[]> {
  const tables: OverlayTable[] = [];
  const emit = (t: OverlayTable) => {
    tables.push(t);
    opts.onTable?.(t);
  };
  const joins = opts.joins ?? 20;
  emit(convergenceTable('file', await onCluster((c) => convergence(c, 'file', joins))));
  if (opts.etcd ?? fs.existsSync(ETCD_BIN)) emit(convergenceTable('etcd', await onCluster((c) => convergence(c, 'etcd', joins))));
  await onCluster(async (c) => {
    for (const t of await traffic(c, opts)) emit(t);
  });
  return tables;
}

/** Runs `fn` on a fresh cluster and removes the cluster afterwards, whatever happened. */
async function onCluster<T>(fn: (c: OverlayCluster) => Promise<T>): Promise<T> {
  const c = new OverlayCluster();
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** Hosts 1 and 2 serve the network; host 3 joins and leaves `joins` times. */
async function convergence(c: OverlayCluster, kind: 'file' | 'etcd', joins: number): Promise<ConvergenceSamples> {
  const hosts = [1, 2, 3].map((n) => c.addHost(n));
  const store = kind === 'file' ? `file:${path.join(c.dir, 'store.json')}` : await startEtcd(c);
  const watchSpec = kind === 'file' ? store : `etcd:http://${store.slice('etcd:'.length)}`;
  const clock = await LeaseClock.start(c, c.underlay, watchSpec, NETWORK, CONFIG);
  try {
    const others = hosts.slice(0, 2);
    for (const h of others) c.start(h, store, NETWORK);
    await awaitMesh(c, others, NETWORK, DEVICE);
    // One untimed join first: the joiner's VTEP MAC and state are made there, and caches warm up.
    await measureConvergence(c, clock, { store, network: NETWORK, device: DEVICE, others, joiner: hosts[2]!, joins: 1 });
    return await measureConvergence(c, clock, { store, network: NETWORK, device: DEVICE, others, joiner: hosts[2]!, joins });
  } finally {
    await clock.close();
  }
}

/** A single-member etcd in the underlay netns on the underlay bridge's address; returns berthd's `--store`. */
async function startEtcd(c: OverlayCluster): Promise<string> {
  const addr = `${UNDERLAY_PREFIX}.254`;
  const log = fs.openSync(path.join(c.dir, 'etcd.log'), 'a');
  try {
    c.spawnIn(c.underlay, ETCD_BIN, [
      '--name', 'bench', '--data-dir', path.join(c.dir, 'etcd'),
      '--listen-client-urls', `http://${addr}:2379`, '--advertise-client-urls', `http://${addr}:2379`,
      '--listen-peer-urls', `http://${addr}:2380`, '--initial-advertise-peer-urls', `http://${addr}:2380`,
      '--initial-cluster', `bench=http://${addr}:2380`, '--initial-cluster-state', 'new',
    ], ['ignore', log, log]);
  } finally {
    fs.closeSync(log);
  }
  // The lease watcher's first listing retries until etcd answers; this only bounds the wait with a clear message.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const health = c.spawnIn(c.underlay, 'curl', ['-s', '--max-time', '1', `http://${addr}:2379/health`]);
    const out = await new Promise<string>((resolve) => {
      let text = '';
      health.stdout!.on('data', (d: Buffer) => (text += d.toString('utf8')));
      health.on('close', () => resolve(text));
    });
    if (/"health":\s*"true"/.test(out)) return `etcd:${addr}:2379`;
    if (Date.now() > deadline) throw new Error(`etcd at ${addr}:2379 not healthy after 20 s: ${fs.readFileSync(path.join(c.dir, 'etcd.log'), 'utf8').slice(-600)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function convergenceTable(kind: 'file' | 'etcd', s: ConvergenceSamples): OverlayTable {
  const rows: OverlayRow[] = [
    { name: 'berthd started → its lease in the store', unit: 'ms', samples: s.startToLease },
    ...(s.watchLag.length > 0 ? [{ name: 'lease in the store → a watcher sees it', unit: 'ms', samples: s.watchLag }] : []),
    ...s.join.map((x, i) => ({ name: `lease added → entries on host ${i + 1}`, unit: 'ms', samples: x })),
    { name: 'lease added → entries on both other hosts', unit: 'ms', samples: s.joinAll },
    ...s.leave.map((x, i) => ({ name: `lease deleted → entries gone from host ${i + 1}`, unit: 'ms', samples: x })),
    { name: 'lease deleted → gone from both other hosts', unit: 'ms', samples: s.leaveAll },
  ];
  const when = kind === 'file'
    ? 'the store file\'s ctime, which the writer\'s rename(2) sets (coarse clock: up to 4 ms early).\n' +
      'The watcher row: a separate FileStore watch (fs.watch on the directory, a 250 ms poll behind it), as berthd\'s own'
    : 'when a separate etcd v3 watch (a process at nice -10) delivered it. etcd stamps no\n' +
      'time on a key, so any delay of that watch makes these figures smaller (single etcd member in the underlay netns)';
  return {
    title: `Overlay peer convergence, ${kind} store: host 3 joins and leaves (berthd run / berthd leave), hosts 1-2 serve`,
    subject: 'convergence', rows,
    note: `"entries" = the joiner's neighbour + FDB entry + onlink route on the other host's ${DEVICE}, read by netlink\n` +
      'dumps every 10 ms (figures carry up to ~10 ms of polling granularity).\n' +
      `The lease's time in the store: ${when}.\n` +
      `--resync 30s, so the watch path is timed, not a periodic reconcile. One untimed join first.\n` +
      `${os.cpus().length} CPUs, shared by every daemon, the watcher and the poller.`,
  };
}

/** Containers a and b on host 1's overlay bridge, c on host 2's: a→c crosses the VXLAN, a→b stays on the bridge. */
async function traffic(c: OverlayCluster, opts: OverlayBenchOptions): Promise<OverlayTable[]> {
  const [h1, h2] = [1, 2].map((n) => c.addHost(n)) as [SimHost, SimHost];
  const store = `file:${path.join(c.dir, 'store.json')}`;
  const fileStore = new FileStore({ path: store.slice('file:'.length) });
  await fileStore.putConfigIfAbsent(NETWORK, CONFIG);
  await fileStore.close();
  for (const h of [h1, h2]) c.start(h, store, NETWORK);
  await awaitMesh(c, [h1, h2], NETWORK, DEVICE);
  const a = await c.attach(h1, NETWORK);
  const b = await c.attach(h1, NETWORK);
  const far = await c.attach(h2, NETWORK);
  const paths: { name: 'overlay' | 'bridge'; from: SimContainer; to: SimContainer }[] = [
    { name: 'overlay', from: a, to: far },
    { name: 'bridge', from: a, to: b },
  ];
  // Warm-up: neighbour resolution on both paths, so no run pays for an ARP exchange.
  for (const p of paths) await ping(c, p.from, p.to, 3, 0.05);

  const pings: Record<'overlay' | 'bridge', PingRun[]> = { overlay: [], bridge: [] };
  for (let i = 0; i < (opts.pingRuns ?? 5); i++) {
    for (const p of i % 2 === 0 ? paths : [...paths].reverse()) pings[p.name].push(await ping(c, p.from, p.to, opts.pingCount ?? 50));
  }
  const tcp: Record<'overlay' | 'bridge', IperfRun[]> = { overlay: [], bridge: [] };
  for (let i = 0; i < (opts.iperfRuns ?? 3); i++) {
    for (const p of i % 2 === 0 ? paths : [...paths].reverse()) tcp[p.name].push(await iperf(c, p.from, p.to, opts.iperfSeconds ?? 3));
  }
  const lost = (runs: PingRun[]) => runs.reduce((n, r) => n + r.sent - r.received, 0);
  const mtu = c.leaseFile(h1, NETWORK)?.mtu;
  const shared = 'Both paths run on one VM\'s veths (no real NIC): what the overlay shows over the bridge is the VXLAN\n' +
    'encapsulation\'s CPU cost (encap/decap, the route lookup, the extra veth and underlay-bridge hops), not a wire\'s.\n' +
    `Same MTU on both paths: the overlay's ${mtu ?? '?'} (underlay 1500 - 50), which the overlay plugin sets on the bridge and both containers.`;
  return [
    {
      title: 'Overlay ICMP round trip: containers on two hosts (VXLAN) vs two on one host\'s bridge',
      subject: 'overlay', referenceName: 'same-host bridge',
      rows: [
        { name: 'RTT per reply', unit: 'ms', samples: pings.overlay.flatMap((r) => r.rtts), reference: pings.bridge.flatMap((r) => r.rtts) },
        { name: 'ping avg per run', unit: 'ms', samples: pings.overlay.map((r) => r.avg), reference: pings.bridge.map((r) => r.avg) },
        { name: 'ping mdev per run', unit: 'ms', samples: pings.overlay.map((r) => r.mdev), reference: pings.bridge.map((r) => r.mdev) },
      ],
      note: `\`ping -c ${opts.pingCount ?? 50} -i 0.02\`, ${opts.pingRuns ?? 5} runs per path alternating; lost: overlay ${lost(pings.overlay)}, bridge ${lost(pings.bridge)}.\n${shared}`,
    },
    {
      title: 'Overlay TCP throughput (iperf3): containers on two hosts (VXLAN) vs two on one host\'s bridge',
      subject: 'overlay', referenceName: 'same-host bridge',
      rows: [
        { name: 'throughput', unit: 'Gbit/s', samples: tcp.overlay.map((r) => r.gbps), reference: tcp.bridge.map((r) => r.gbps) },
        { name: 'retransmits per test', unit: 'segs', samples: tcp.overlay.map((r) => r.retransmits), reference: tcp.bridge.map((r) => r.retransmits) },
        { name: 'sender CPU (iperf3 host_total)', unit: '%', samples: tcp.overlay.map((r) => r.cpuClient), reference: tcp.bridge.map((r) => r.cpuClient) },
      ],
      note: `\`iperf3 -c <ip> -t ${opts.iperfSeconds ?? 3} -J\` against \`iperf3 -s -1\`, ${opts.iperfRuns ?? 3} test(s) per path alternating; receiver's rate.\n${shared}`,
    },
  ];
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the overlay bench needs root (network namespaces)');
  const quick = process.argv.includes('quick');
  // Through process.exit, so the clusters' exit hooks remove their netns and temp dirs.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));
  await benchOverlay({ ...overlayBenchDefaults(quick), onTable: printOverlayTable });
}

/** The knobs of a full run and of `quick`, as bench/run.ts passes them. */
export function overlayBenchDefaults(quick: boolean): OverlayBenchOptions {
  return quick ? { joins: 5, pingRuns: 2, pingCount: 50, iperfRuns: 1, iperfSeconds: 3 } : { joins: 20, pingRuns: 5, pingCount: 50, iperfRuns: 3, iperfSeconds: 3 };
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`overlay bench: ${err.message}`);
    process.exitCode = 1;
  });
}
