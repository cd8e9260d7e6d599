// The macvlan plugin against the reference (/usr/lib/cni/macvlan) in one run: ADD and DEL latency,
// L3 (host-local: ours in-process, the reference's exec'd) and L2, alternating which plugin goes first.
// A throwaway host netns holds the master (a veth end); each attachment gets a fresh container netns.
// Standalone, as root after `npm run build`: `npx tsx bench/macvlan.ts [iterations=30]`.
// Figures only, never assertions.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNamedNetns, deleteNamedNetns, namedPath, type Netns } from '../lib/netns';
import { NetlinkHandle, linkAdd, linkByName, linkSetUp } from '../lib/netlink';
import { pluginEnv, timedExec } from './exec';
import { printRows, summarize, type BenchRow } from './stats';

/** Knobs of benchMacvlan. */
export interface MacvlanBenchOptions {
  /** ADD+DEL pairs per plugin and mode (default 30). */
  iterations?: number;
}

const DIST = path.resolve(__dirname, '../dist/bin');
const REF = '/usr/lib/cni';
const MASTER = 'bmv0';

interface Subject { label: 'ours' | 'reference'; bin: string; cniPath: string; network: string; subnet: string }
interface Run { ms: number; code: number | null; stdout: string; stderr: string }

/**
 * Runs the start-up, L3 and L2 latency parts and returns their rows (ms). Our binaries are copied out of dist/bin
 * first, so a rebuild by someone else during the run cannot pull them away.
 */
export async function benchMacvlan(opts: MacvlanBenchOptions = {}): Promise<BenchRow[]> {
  for (const f of [path.join(DIST, 'macvlan'), path.join(REF, 'macvlan'), path.join(REF, 'host-local')]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing (npm run build; apt-get install containernetworking-plugins)`);
  }
  const iterations = opts.iterations ?? 30;
  const ours = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-mv-bin-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-mv-data-'));
  const hostName = `bmv-${process.pid}`;
  let host: Netns | undefined;
  try {
    // The whole directory, whatever its layout (the executables may be launchers of bundles beside them).
    fs.cpSync(DIST, ours, { recursive: true, filter: (src) => !src.endsWith('.tmp') });
    host = createNamedNetns(hostName);
    await makeMaster(host);
    const subjects: Subject[] = [
      { label: 'ours', bin: path.join(ours, 'macvlan'), cniPath: ours, network: 'bench-mv-ours', subnet: '10.203.0.0/16' },
      { label: 'reference', bin: path.join(REF, 'macvlan'), cniPath: REF, network: 'bench-mv-ref', subnet: '10.204.0.0/16' },
    ];
    const rows: BenchRow[] = [await startup(host, subjects, iterations)];
    for (const l3 of [true, false]) rows.push(...(await latency(host, hostName, subjects, dataDir, iterations, l3)));
    return rows;
  } finally {
    host?.close();
    deleteNamedNetns(hostName); // takes the master and any macvlan left along
    fs.rmSync(ours, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The master: a veth pair in the host netns, both ends up (a macvlan's carrier follows its master's). */
async function makeMaster(host: Netns): Promise<void> {
  const h = NetlinkHandle.open(host);
  try {
    await linkAdd(h, { kind: 'veth', name: MASTER, peer: { name: `${MASTER}p` } });
    await linkSetUp(h, (await linkByName(h, MASTER)).index);
    await linkSetUp(h, (await linkByName(h, `${MASTER}p`)).index);
  } finally {
    h.close();
  }
}

/** VERSION round trips: the exec and start-up floor under every ADD and DEL (Node's vs a Go binary's). */
async function startup(host: Netns, subjects: Subject[], iterations: number): Promise<BenchRow> {
  const t = { ours: [] as number[], reference: [] as number[] };
  for (let i = -2; i < iterations; i++) {
    for (const s of i % 2 === 0 ? subjects : [...subjects].reverse()) {
      const r = ok(await run(host, s, 'VERSION', '', { cniVersion: '1.0.0' }), `${s.label} VERSION`);
      if (i >= 0) t[s.label].push(r.ms);
    }
  }
  return row('VERSION (start-up floor)', t.ours, t.reference);
}

function row(name: string, ours: number[], reference: number[]): BenchRow {
  return { name, unit: 'ms', ours: summarize(ours), reference: summarize(reference), referenceName: 'ref' };
}

async function latency(host: Netns, hostName: string, subjects: Subject[], dataDir: string, iterations: number, l3: boolean): Promise<BenchRow[]> {
  const t = { ours: { add: [] as number[], del: [] as number[] }, reference: { add: [] as number[], del: [] as number[] } };
  for (let i = -2; i < iterations; i++) {
    for (const s of i % 2 === 0 ? subjects : [...subjects].reverse()) {
      const ctr = `${hostName}-c`;
      createNamedNetns(ctr).close();
      try {
        const conf = {
          cniVersion: '1.0.0', name: s.network, type: 'macvlan', master: MASTER, mode: 'bridge',
          ipam: l3 ? { type: 'host-local', subnet: s.subnet, dataDir } : {},
        };
        const add = ok(await run(host, s, 'ADD', namedPath(ctr), conf), `${s.label} ADD`);
        const del = ok(await run(host, s, 'DEL', namedPath(ctr), conf), `${s.label} DEL`);
        if (i < 0) continue; // the first two warm the page cache
        t[s.label].add.push(add.ms);
        t[s.label].del.push(del.ms);
      } finally {
        deleteNamedNetns(ctr);
      }
    }
  }
  const m = l3 ? 'L3 (host-local)' : 'L2 (ipam {})';
  return [row(`ADD ${m}`, t.ours.add, t.reference.add), row(`DEL ${m}`, t.ours.del, t.reference.del)];
}

/**
 * Runs `s` inside the host netns (the main thread is switched around the fork, so the child starts
 * there with no `ip netns exec` to blur the figures). The env holds PATH and CNI_* only: no
 * NODE_EXTRA_CA_CERTS, which Node would parse on every start (~40 ms), as a runtime would not pass it.
 */
function run(host: Netns, s: Subject, command: string, netns: string, conf: object): Promise<Run> {
  const env = pluginEnv({
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: 'bench1', CNI_IFNAME: 'eth0',
    CNI_NETNS: netns, CNI_PATH: s.cniPath,
  });
  return timedExec(s.bin, env, JSON.stringify(conf), host);
}

function ok(r: Run, what: string): Run {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stdout.trim()} ${r.stderr.trim().slice(0, 400)}`);
  return r;
}

if (require.main === module) {
  if (process.getuid?.() !== 0) throw new Error('the macvlan benchmark needs root (network namespaces)');
  const iterations = Number(process.argv[2]) || undefined;
  benchMacvlan({ iterations })
    .then((rows) => printRows('macvlan ADD/DEL: ours vs reference (ratio < 1: ours faster)', rows))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
