// Traffic between two containers for bench/overlay.ts: ICMP round trips (iputils ping) and TCP
// throughput (Debian's iperf3), each tool run inside the containers' netns by the cluster (so close()
// kills whatever a failure leaves running).
import type { ChildProcess } from 'node:child_process';
import { stopChild, type OverlayCluster, type SimContainer } from './overlay-cluster';

/** One ping run: every reply's RTT, and ping's own summary. */
export interface PingRun {
  /** RTT of each reply, ms. */
  readonly rtts: number[];
  readonly avg: number;
  readonly mdev: number;
  readonly sent: number;
  readonly received: number;
}

/** One iperf3 run, from the client's JSON report. */
export interface IperfRun {
  /** What the receiver got, Gbit/s. */
  readonly gbps: number;
  /** TCP retransmits the sender counted. */
  readonly retransmits: number;
  /** Client and server CPU, % of one core summed over user+system (iperf3's host_total/remote_total). */
  readonly cpuClient: number;
  readonly cpuServer: number;
}

/** `ping -n -c count -i interval <to.ip>` from `from`'s netns (intervals below 0.2 s need root). */
export async function ping(cluster: OverlayCluster, from: SimContainer, to: SimContainer, count: number, interval = 0.02): Promise<PingRun> {
  const child = cluster.spawnIn(from.ns, 'ping', ['-n', '-c', String(count), '-i', String(interval), '-W', '1', to.ip]);
  const { code, out } = await collect(child);
  const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  const counts = /(\d+) packets transmitted, (\d+) received/.exec(out);
  const summary = /= [\d.]+\/([\d.]+)\/[\d.]+\/([\d.]+) ms/.exec(out);
  if (code !== 0 || counts === null || summary === null) throw new Error(`ping ${to.ip} from ${from.nsName} exited ${code}: ${out.trim().slice(-400)}`);
  return { rtts, avg: Number(summary[1]), mdev: Number(summary[2]), sent: Number(counts[1]), received: Number(counts[2]) };
}

/**
 * One iperf3 TCP test from `client` to `server` for `seconds`: the server runs in the foreground for a
 * single test (`-s -1`), the client reports JSON (`-J`).
 */
export async function iperf(cluster: OverlayCluster, client: SimContainer, server: SimContainer, seconds: number): Promise<IperfRun> {
  const srv = cluster.spawnIn(server.ns, 'iperf3', ['-s', '-1', '-B', server.ip, '--forceflush']);
  try {
    await listening(srv, 10_000);
    const { code, out } = await collect(cluster.spawnIn(client.ns, 'iperf3', ['-c', server.ip, '-t', String(seconds), '-J']));
    let report: IperfReport;
    try {
      report = JSON.parse(out) as IperfReport;
    } catch {
      throw new Error(`iperf3 -c ${server.ip} exited ${code} without a JSON report: ${out.trim().slice(-400)}`);
    }
    if (code !== 0 || report.error !== undefined || report.end?.sum_received === undefined) {
      throw new Error(`iperf3 -c ${server.ip} exited ${code}: ${report.error ?? 'no sum_received in its report'}`);
    }
    return {
      gbps: report.end.sum_received.bits_per_second / 1e9,
      retransmits: report.end.sum_sent?.retransmits ?? 0,
      cpuClient: report.end.cpu_utilization_percent?.host_total ?? NaN,
      cpuServer: report.end.cpu_utilization_percent?.remote_total ?? NaN,
    };
  } finally {
    const timer = setTimeout(() => srv.kill('SIGKILL'), 3000);
    await stopChild(srv, 'SIGTERM');
    clearTimeout(timer);
  }
}

/** The parts of iperf3's `-J` report used here. */
interface IperfReport {
  error?: string;
  end?: {
    sum_received?: { bits_per_second: number };
    sum_sent?: { retransmits?: number };
    cpu_utilization_percent?: { host_total: number; remote_total: number };
  };
}

/** Resolves once the iperf3 server says it listens; rejects when it exits first or after `ms`. */
function listening(srv: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`iperf3 -s not listening after ${ms} ms: ${out.trim()}`)), ms);
    // Kept reading after the answer, so the server's per-interval lines never fill the pipe.
    srv.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (/listening/i.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    srv.stderr!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    srv.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`iperf3 -s exited ${code} before listening: ${out.trim()}`));
    });
  });
}

/** Waits for a child's exit, with stdout and stderr together. */
function collect(child: ChildProcess): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}
