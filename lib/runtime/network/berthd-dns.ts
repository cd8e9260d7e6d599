/**
 * berth's side of the embedded DNS: make sure berthd serves the resolver of a network before a
 * container on it runs. berthd is started on demand: when nothing answers on its socket, berth starts
 * `berthd run` detached (its own session, output to `<runDir>/berthd.log`) with berth's directories,
 * and waits for the socket; a berthd run as a service is simply found running. Then
 * `POST /v1/dns/sync` makes berthd bind the resolvers of every network that has one (read from the
 * network store), and its answer says whether this network's is listening.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { berthdSocketPath } from '../../paths';
import { NetworkError } from './types';

/** How berth reaches (and, if need be, starts) berthd. */
export interface BerthdDnsOptions {
  /** BERTH_RUN: berthd's run dir, socket and lock. */
  readonly runDir: string;
  /** BERTH_ROOT, handed to a berthd berth starts (its container and network stores). */
  readonly root: string;
  /** BERTH_CNI_DIR, handed likewise (IPAM leases name who asks). */
  readonly cniDir: string;
  /** The berthd executable; without it berth cannot start one. */
  readonly berthdPath?: string;
  /** How long to wait for a started berthd's socket (default 15 s). */
  readonly startTimeoutMs?: number;
}

/** One resolver berthd listens on. */
export interface DnsListener {
  readonly network: string;
  readonly address: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function call(socketPath: string, method: string, urlPath: string, timeoutMs = 10_000, body = ''): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = body === '' ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request({ socketPath, method, path: urlPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: unknown;
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = undefined; }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`berthd did not answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

const notListening = (err: unknown): boolean => ['ENOENT', 'ECONNREFUSED'].includes((err as NodeJS.ErrnoException).code ?? '');

/** Starts `berthd run` for berth's directories, detached, and waits until its socket answers. */
async function startBerthd(opts: BerthdDnsOptions, socketPath: string): Promise<void> {
  if (opts.berthdPath === undefined || !fs.existsSync(opts.berthdPath)) {
    throw new NetworkError(`embedded DNS needs berthd, which is not running and not found beside berth (${opts.berthdPath ?? 'no path'})`, 'unavailable');
  }
  fs.mkdirSync(opts.runDir, { recursive: true, mode: 0o755 });
  const log = fs.openSync(path.join(opts.runDir, 'berthd.log'), 'a', 0o600);
  try {
    const child = spawn(process.execPath, [opts.berthdPath, 'run', '--run-dir', opts.runDir, '--state-dir', path.join(opts.root, 'berthd'), '--berth-root', opts.root, '--cni-dir', opts.cniDir], {
      // cwd /: a daemon must not keep the caller's directory (or its mount) busy.
      detached: true, stdio: ['ignore', log, log], env: process.env, cwd: '/',
    });
    child.unref();
  } finally {
    fs.closeSync(log);
  }
  const end = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (;;) {
    try {
      if ((await call(socketPath, 'GET', '/v1/status', 2000)).status === 200) return;
    } catch (err) {
      if (!notListening(err)) throw err;
    }
    // Two berths starting it at once: the second berthd finds the first's lock and exits; both wait here.
    if (Date.now() > end) throw new NetworkError(`berthd did not come up within ${opts.startTimeoutMs ?? 15_000} ms (see ${path.join(opts.runDir, 'berthd.log')})`, 'unavailable');
    await sleep(50);
  }
}

/**
 * Ensures berthd runs and serves network `network`'s resolver at `address`.
 * @throws {NetworkError} `unavailable` when berthd cannot be started or does not bind the address
 */
export async function ensureBerthdDns(opts: BerthdDnsOptions, network: string, address: string): Promise<void> {
  const socketPath = berthdSocketPath(opts.runDir);
  // berthd answers from one berth root's stores; it refuses a sync for another (409), naming both.
  const body = JSON.stringify({ berthRoot: opts.root });
  let r: { status: number; body: unknown };
  try {
    r = await call(socketPath, 'POST', '/v1/dns/sync', 10_000, body);
  } catch (err) {
    if (!notListening(err)) throw new NetworkError(`cannot reach berthd at ${socketPath}: ${(err as Error).message}`, 'unavailable');
    await startBerthd(opts, socketPath);
    r = await call(socketPath, 'POST', '/v1/dns/sync', 10_000, body);
  }
  const listeners = (r.body as { listeners?: DnsListener[] } | undefined)?.listeners;
  if (r.status !== 200 || !Array.isArray(listeners)) {
    const said = (r.body as { error?: string } | undefined)?.error ?? `HTTP ${r.status}`;
    throw new NetworkError(`berthd cannot serve DNS: ${said}`, 'unavailable');
  }
  if (!listeners.some((l) => l.network === network && l.address === address)) {
    const why = (r.body as { failures?: Record<string, string> }).failures?.[network];
    throw new NetworkError(`berthd serves no DNS resolver for network ${network} at ${address}${why ? `: ${why}` : ''}`, 'unavailable');
  }
}
