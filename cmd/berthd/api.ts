/**
 * berthd's local API: JSON over HTTP on a unix socket (`<runDir>/berthd.sock`, mode 0600, so only root
 * talks to it). Routing is a pure function over (method, path, body) so the handlers are unit-tested
 * without a socket.
 *
 *   GET  /v1/status                  DaemonStatus
 *   GET  /v1/networks/N/leases       {network, leases: Lease[]}
 *   GET  /v1/networks/N/peers        PeerEntries (read back from the kernel)
 *   POST /v1/networks                {name, network, subnetLen?, ipv6Network?, ipv6SubnetLen?, vni?, port?} → 201 {name, config, created}
 *   POST /v1/networks/N/leave        {name, left: true}
 *   GET  /v1/dns                     {listeners: [{network, address}]}
 *   POST /v1/dns/sync                reconciles the resolvers with the network store, then as GET plus
 *                                    {failures: {network: why}} for those that cannot listen yet
 * Errors: {error: "..."} with 400 (bad request), 404 (unknown path or network), 405, 409 (the VNI is
 * another network's), 500.
 */
import { chmod, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import type { Logger } from '../../lib/log';
import { UsageError } from './config';
import { ConflictError } from './conflict-error';
import { NotFoundError, type Daemon } from './daemon';
import { makeDirsAsync } from '../../lib/sys';
import type { DnsService } from './dns/dns-service';

/** An API answer. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The largest request body accepted. */
const MAX_BODY = 64 * 1024;

/** Routes one request. Never throws: every failure is an {@link ApiResponse}. */
export async function handleApi(daemon: Daemon, method: string, url: string, body: string, dns?: DnsService): Promise<ApiResponse> {
  const path = url.split('?')[0]!.replace(/\/+$/, '');
  try {
    if (path === '/v1/dns' || path === '/v1/dns/sync') {
      if (dns === undefined) return { status: 404, body: { error: 'this berthd serves no DNS' } };
      if (path === '/v1/dns') return method === 'GET' ? ok({ listeners: dns.listening() }) : notAllowed(method, path);
      if (method !== 'POST') return notAllowed(method, path);
      let asked: unknown;
      try {
        asked = body.trim() === '' ? undefined : (JSON.parse(body) as { berthRoot?: unknown }).berthRoot;
      } catch {
        return { status: 400, body: { error: 'request body is not JSON' } };
      }
      if (asked !== undefined && asked !== dns.berthRoot) {
        throw new ConflictError(`this berthd serves the DNS of berth root ${dns.berthRoot}, not ${String(asked)}: start it with --berth-root ${String(asked)} (and that root's --cni-dir)`);
      }
      return ok(await dns.sync());
    }
    if (path === '/v1/status') return method === 'GET' ? ok(daemon.status()) : notAllowed(method, path);
    if (path === '/v1/networks') {
      if (method !== 'POST') return notAllowed(method, path);
      let parsed: unknown;
      try {
        parsed = body.trim() === '' ? undefined : JSON.parse(body);
      } catch {
        return { status: 400, body: { error: 'request body is not JSON' } };
      }
      return { status: 201, body: await daemon.createNetwork(parsed) };
    }
    const m = /^\/v1\/networks\/([^/]+)\/(leases|peers|leave)$/.exec(path);
    if (m) {
      const name = decodeURIComponent(m[1]!);
      const verb = m[2]!;
      if (verb === 'leave') return method === 'POST' ? ok(await daemon.leave(name)) : notAllowed(method, path);
      if (method !== 'GET') return notAllowed(method, path);
      return verb === 'leases' ? ok({ network: name, leases: daemon.leases(name) }) : ok(await daemon.peers(name));
    }
    return { status: 404, body: { error: `no such endpoint: ${method} ${path}` } };
  } catch (err) {
    if (err instanceof UsageError) return { status: 400, body: { error: err.message } };
    if (err instanceof NotFoundError) return { status: 404, body: { error: err.message } };
    if (err instanceof ConflictError) return { status: 409, body: { error: err.message } };
    return { status: 500, body: { error: err instanceof Error ? err.message : String(err) } };
  }
}

/**
 * Listens on `socketPath` (a stale socket from a killed run is removed first), mode 0600.
 * @returns the server; close it on shutdown
 */
export async function startApiServer(daemon: Daemon, socketPath: string, log: Logger, dns?: DnsService): Promise<Server> {
  await makeDirsAsync(dirname(socketPath), 0o755);
  await rm(socketPath, { force: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"request body too large"}\n');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      void handleApi(daemon, req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'), dns).then((r) => {
        if (r.status >= 500) log.error({ method: req.method, url: req.url, error: (r.body as { error?: string }).error }, 'API request failed');
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(`${JSON.stringify(r.body)}\n`);
      });
    });
  });
  // The umask would leave a window where the socket is world-connectable; it is created 0600 instead.
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => { server.off('error', reject); resolve(); });
    });
  } finally {
    process.umask(oldMask);
  }
  await chmod(socketPath, 0o600);
  return server;
}

function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}

function notAllowed(method: string, path: string): ApiResponse {
  return { status: 405, body: { error: `${method} not allowed on ${path}` } };
}
