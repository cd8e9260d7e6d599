import { request } from 'node:http';

/** A reply of the local API. */
export interface ApiReply {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One JSON request to berthd's unix-socket API (used by `berthd leave`, and a model for `berth`).
 * @throws the socket error (ENOENT, ECONNREFUSED: no daemon listening)
 */
export function apiRequest(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request({
      socketPath, method, path, timeout: timeoutMs,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch { /* not JSON: keep the text */ }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer from ${socketPath} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
