/**
 * The one call berth makes to berthd: create (or adopt) an overlay network's config in the cluster
 * store, `POST /v1/networks` over berthd's unix socket (`<runDir>/berthd.sock`), JSON both ways.
 * berthd answers 200/201 with the stored OverlayConfig (an earlier host's, when the network existed),
 * bare or wrapped as `{name, config: OverlayConfig, created}` (cmd/berthd's shape), or 4xx/5xx with
 * `{"error": "..."}`.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { OverlayConfig } from '../../overlay';
import { NetworkError } from './types';

/** The request body of `POST /v1/networks`. */
export interface OverlayNetworkRequest {
  readonly name: string;
  /** The cluster CIDR. */
  readonly network: string;
  readonly subnetLen?: number;
  /** The IPv6 cluster CIDR of a dual-stack network. */
  readonly ipv6Network?: string;
  readonly ipv6SubnetLen?: number;
  readonly vni?: number;
  readonly port?: number;
}

/** Options of {@link postOverlayNetwork}. */
export interface BerthdClientOptions {
  /** Gives up after this long (default 30 s: berthd may be waiting for etcd). */
  timeoutMs?: number;
}

/**
 * Asks berthd to store the overlay network's config if none exists; returns the config it holds.
 * @throws {NetworkError} `unavailable` when berthd is not running (no socket, or nobody listening) or
 *   times out; berthd's own `error` for a 4xx/5xx (409 conflict, 404 not-found, other 4xx invalid);
 *   `unavailable` for an answer that is not an OverlayConfig
 */
export async function postOverlayNetwork(socketPath: string, body: OverlayNetworkRequest, opts: BerthdClientOptions = {}): Promise<OverlayConfig> {
  if (!fs.existsSync(socketPath)) throw notRunning(`no ${socketPath}`);
  const { status, text } = await request(socketPath, JSON.stringify(body), opts.timeoutMs ?? 30_000);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (status !== 200 && status !== 201) {
    const said = typeof (doc as { error?: unknown } | undefined)?.error === 'string' ? (doc as { error: string }).error : text.trim() || `HTTP ${status}`;
    throw new NetworkError(`berthd refused overlay network ${body.name}: ${said}`, kindOf(status));
  }
  return checkConfig(doc, text);
}

function kindOf(status: number): NetworkError['kind'] {
  if (status === 409) return 'conflict';
  if (status === 404) return 'not-found';
  return status >= 400 && status < 500 ? 'invalid' : 'unavailable';
}

function notRunning(why: string): NetworkError {
  return new NetworkError(`berthd is not running (${why}): start berthd to use overlay networks`, 'unavailable');
}

/** The answer must hold a whole OverlayConfig: the record and the conflist are built from it. */
function checkConfig(doc: unknown, text: string): OverlayConfig {
  const wrapped = typeof doc === 'object' && doc !== null && 'config' in doc;
  const c = (wrapped ? (doc as { config: unknown }).config : doc) as Partial<OverlayConfig> | undefined;
  const int = (v: unknown, min: number, max: number): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
  if (
    typeof c !== 'object' || c === null || typeof c.Network !== 'string' || !int(c.SubnetLen, 1, 32) ||
    typeof c.Backend !== 'object' || c.Backend === null || c.Backend.Type !== 'vxlan' || !int(c.Backend.VNI, 1, 0xffffff) || !int(c.Backend.Port, 1, 65535)
  ) {
    throw new NetworkError(`berthd answered something that is not an overlay config: ${text.slice(0, 200)}`, 'unavailable');
  }
  return c as OverlayConfig;
}

function request(socketPath: string, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, method: 'POST', path: '/v1/networks', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new NetworkError(`berthd did not answer within ${timeoutMs} ms (${socketPath})`, 'unavailable')));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err instanceof NetworkError) reject(err);
      else if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') reject(notRunning(`nothing listens on ${socketPath}`));
      else reject(new NetworkError(`cannot reach berthd at ${socketPath}: ${err.message}`, 'unavailable'));
    });
    req.end(body);
  });
}
