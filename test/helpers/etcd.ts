// A real etcd (Debian's etcd-server, /usr/bin/etcd 3.4) for tests: a single member on free ports, with
// a throwaway data dir, that a test can stop and start again on the same data (to take the store down
// under a running watch), and that is removed afterwards, even when the test fails. With `netns` it
// runs inside a test netns (bound to a simulated host's underlay address, say) and is health-checked
// from there: the test process's own netns cannot reach that address.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where Debian's etcd-server installs the server. */
export const ETCD_BIN = '/usr/bin/etcd';

/** Options of {@link startEtcd}. */
export interface TestEtcdOptions {
  /** The address to serve on (default 127.0.0.1): a test host's underlay address, say. */
  host?: string;
  /** A command prefix, e.g. ['ip', 'netns', 'exec', name] to run etcd inside a test netns. */
  wrap?: string[];
  /**
   * A named netns (`/run/netns/<netns>`) to run etcd in (through `nsenter --net`, before any `wrap`)
   * and to probe its health from. Ports are then chosen free in the test process's netns, which is
   * harmless: a fresh test netns has every port free.
   */
  netns?: string;
  /** How long to wait for /health (default 20 s). */
  readyTimeoutMs?: number;
}

/** A running test etcd. */
export interface TestEtcd {
  /** Its client URL, "http://127.0.0.1:<port>". */
  readonly url: string;
  readonly dataDir: string;
  /** etcd's own log (stderr), for a failing test's message. */
  readonly logFile: string;
  /** True while the server process runs. */
  readonly running: boolean;
  /** Starts it again with the same data dir and ports (after stop()); resolves when healthy. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for the exit; keeps the data. */
  stop(): Promise<void>;
  /** Stops it and removes its directory. Idempotent. */
  destroy(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A test run that dies midway must not leave servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a single-member etcd on free ports with a fresh data dir; resolves once it is healthy. */
export async function startEtcd(opts: TestEtcdOptions = {}): Promise<TestEtcd> {
  const host = opts.host ?? '127.0.0.1';
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-etcd-'));
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'etcd.log');
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://${host}:${clientPort}`;
  const peer = `http://${host}:${peerPort}`;
  const args = [
    '--name', 'default',
    '--data-dir', dataDir,
    '--listen-client-urls', url,
    '--advertise-client-urls', url,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `default=${peer}`,
    '--initial-cluster-state', 'new',
  ];
  let child: ChildProcess | undefined;

  const etcd: TestEtcd = {
    url,
    dataDir,
    logFile,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    async start() {
      if (etcd.running) return;
      const log = fs.openSync(logFile, 'a');
      const [cmd, ...rest] = [...nsenter(opts.netns), ...(opts.wrap ?? []), ETCD_BIN, ...args];
      const proc = spawn(cmd!, rest, { stdio: ['ignore', log, log] });
      fs.closeSync(log);
      child = proc;
      live.add(proc);
      proc.once('exit', () => live.delete(proc));
      await waitHealthy(url, proc, opts.readyTimeoutMs ?? 20_000, logFile, opts.netns);
    },
    async stop() {
      const proc = child;
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
    async destroy() {
      await etcd.stop();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    await etcd.start();
  } catch (err) {
    await etcd.destroy();
    throw err;
  }
  return etcd;
}

/** The command prefix that runs a program in the named netns (nsenter execs: the pid stays the program's). */
function nsenter(netns: string | undefined): string[] {
  return netns === undefined ? [] : ['nsenter', `--net=/run/netns/${netns}`];
}

async function waitHealthy(url: string, proc: ChildProcess, timeoutMs: number, logFile: string, netns?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`etcd exited (${proc.exitCode ?? proc.signalCode}) before it was healthy:\n${tail(logFile)}`);
    }
    if (await (netns === undefined ? healthy(url) : healthyIn(netns, url))) return;
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`etcd at ${url} not healthy after ${timeoutMs} ms:\n${tail(logFile)}`);
    }
    await sleep(50);
  }
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/health`, { timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * /health probed from inside `netns` by curl under nsenter: a socket opened by this process would be
 * created in whichever netns its thread is in when libuv gets round to it, not reliably the target's.
 */
function healthyIn(netns: string, url: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('nsenter', [...nsenter(netns).slice(1), 'curl', '-s', '-m', '1', `${url}/health`], { encoding: 'utf8', timeout: 3000 }, (err, stdout) => {
      resolve(err === null && /"health":\s*"true"/.test(stdout));
    });
  });
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
