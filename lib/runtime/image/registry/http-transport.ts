/**
 * HTTP(S) to one registry with node:http/node:https: which scheme the registry is reached on (HTTPS,
 * plain HTTP only for a host listed as insecure), the CAs it is trusted with (Docker's certs.d
 * layout), redirects (blob downloads are usually sent to storage elsewhere), idle timeouts, and
 * network failures turned into messages a user can act on. Authentication is the caller's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { ImageError } from '../image-error';

/** How a transport reaches its registry. */
export interface TransportOptions {
  /** Hosts (`host[:port]`) that may be reached over plain HTTP, or over HTTPS without verification. */
  insecureRegistries?: readonly string[];
  /** A directory laid out as /etc/docker/certs.d: `<dir>/<host[:port]>/*.crt` are CAs trusted for that host. */
  certsDir?: string;
  userAgent?: string;
  /** How long a connection may stay silent before the request fails (default 30 s). */
  timeoutMs?: number;
}

/** A request; `body` is a buffer or a factory of streams (called again when a request is retried). */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  /** Follow 3xx answers (GET and HEAD only); Authorization is dropped when the host changes. */
  followRedirects?: boolean;
}

/** A response whose body is still to be read (or drained). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  readonly url: URL;
  readonly body: IncomingMessage;
}

const MAX_REDIRECTS = 10;

/** Requests to one registry host. */
export class HttpTransport {
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly insecure: boolean;
  private scheme: 'https:' | 'http:' = 'https:';
  private readonly timeoutMs: number;

  readonly host: string;
  private readonly opts: TransportOptions;

  constructor(host: string, opts: TransportOptions = {}) {
    this.host = host;
    this.opts = opts;
    this.insecure = (opts.insecureRegistries ?? []).includes(host);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    const ca = opts.certsDir === undefined ? [] : readCAs(join(opts.certsDir, host));
    this.agents = {
      http: new http.Agent({ keepAlive: true }),
      // Docker skips verification for an insecure registry that does speak TLS.
      https: new https.Agent({ keepAlive: true, rejectUnauthorized: !this.insecure, ...(ca.length > 0 ? { ca: [...rootCertificates, ...ca] } : {}) }),
    };
  }

  /** `<scheme>//<host><path>`, the scheme being the one the registry answered on so far. */
  url(path: string): URL {
    return new URL(`${this.scheme}//${this.host}${path}`);
  }

  /**
   * Sends `req` and resolves with the response head. An insecure registry is tried over HTTPS first
   * (as Docker does) and over plain HTTP once it answers TLS with plain text.
   * @throws ImageError unavailable for network failures and timeouts, with the URL.
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.follow(req);
    } catch (err) {
      if (this.insecure && this.scheme === 'https:' && req.url.host === this.host && req.url.protocol === 'https:' && isPlainHttpAnswer(err)) {
        this.scheme = 'http:';
        return this.follow({ ...req, url: new URL(req.url.href.replace(/^https:/, 'http:')) });
      }
      throw err;
    }
  }

  /** Closes idle connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private async follow(req: HttpRequest): Promise<HttpResponse> {
    let { url } = req;
    let headers = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await this.once(req.method, url, headers, req.body);
      const location = res.headers.location;
      if (!req.followRedirects || ![301, 302, 303, 307, 308].includes(res.status) || location === undefined) return res;
      res.body.resume();
      if (hop === MAX_REDIRECTS) throw new ImageError(`${verb(req.method)} ${JSON.stringify(req.url.href)}: stopped after ${MAX_REDIRECTS} redirects`, 'unavailable');
      const next = new URL(location, url);
      // Credentials are for the registry: storage behind a redirect gets a signed URL, never them.
      if (next.host !== url.host || next.protocol !== url.protocol) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      url = next;
    }
  }

  private once(method: string, url: URL, headers: Record<string, string>, body: HttpRequest['body']): Promise<HttpResponse> {
    if (url.protocol === 'http:' && url.host === this.host && !this.insecure) {
      throw new ImageError(`${verb(method)} ${JSON.stringify(url.href)}: refusing plain HTTP to ${this.host}, which is not listed with --insecure-registry`, 'forbidden');
    }
    const mod = url.protocol === 'http:' ? http : https;
    const agent = url.protocol === 'http:' ? this.agents.http : this.agents.https;
    const allHeaders: Record<string, string> = { 'user-agent': this.opts.userAgent ?? 'berth', ...headers };
    if (Buffer.isBuffer(body)) allHeaders['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, headers: allHeaders, agent }, (res) => {
        // From here the socket's idle timer guards the body: a stalled download fails, not hangs.
        res.on('error', () => undefined);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res });
      });
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(new ImageError(`${verb(method)} ${JSON.stringify(url.href)}: timed out: no data for ${this.timeoutMs >= 1000 ? `${Math.round(this.timeoutMs / 1000)}s` : `${this.timeoutMs}ms`}`, 'unavailable'));
      });
      req.on('error', (err) => reject(networkError(err, method, url, this.host)));
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        const stream = body();
        stream.on('error', (err) => req.destroy(err));
        stream.pipe(req);
      }
    });
  }
}

/** Go's http client's verb for an error message: `Get "https://..."`. */
export function verb(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

/** The CA certificates of a certs.d host directory (none when it does not exist). */
function readCAs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.crt')).sort().map((n) => readFileSync(join(dir, n), 'utf8'));
}

/** TLS sent to a server that answered in plain HTTP: OpenSSL reads the text as a bad record. */
function isPlainHttpAnswer(err: unknown): boolean {
  const cause = err instanceof ImageError ? err.cause : err;
  const { code, message } = (cause ?? {}) as { code?: string; message?: string };
  return code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|http request/i.test(message ?? '');
}

/** A failed connection as an ImageError saying what happened and, where it helps, what to do. */
function networkError(err: unknown, method: string, url: URL, host: string): unknown {
  if (err instanceof ImageError) return err;
  const e = err as NodeJS.ErrnoException;
  const where = `${verb(method)} ${JSON.stringify(url.href)}`;
  let text: string;
  if (isPlainHttpAnswer(err)) {
    text = `http: server gave HTTP response to HTTPS client (if ${host} serves plain HTTP, list it with --insecure-registry ${host})`;
  } else if (e.code === 'ECONNREFUSED') text = `dial tcp ${url.host}: connect: connection refused`;
  else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') text = `dial tcp: lookup ${url.hostname}: no such host`;
  else if (e.code === 'ECONNRESET' || e.code === 'EPIPE') text = 'connection reset by peer';
  else if (e.code === 'ETIMEDOUT' || e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH') text = `dial tcp ${url.host}: ${e.code}`;
  else if (/certificate|self.signed|unable to verify|UNABLE_TO|CERT_/i.test(`${e.code ?? ''} ${e.message}`)) {
    text = `tls: failed to verify certificate: ${e.message} (trust its CA by placing it in <certs dir>/${host}/ca.crt)`;
  } else text = e.message;
  return new ImageError(`${where}: ${text}`, 'unavailable', { cause: err });
}
