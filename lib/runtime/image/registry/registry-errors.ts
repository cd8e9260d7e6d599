/**
 * A registry's error answers as text: the distribution spec's `{"errors": [{"code", "message",
 * "detail"}]}` body printed the way Docker prints errcode errors (`manifest unknown: manifest
 * unknown`, `denied: requested access to the resource is denied`), or the status line when the body
 * says nothing (a HEAD, a proxy's HTML page).
 */
import { STATUS_CODES } from 'node:http';
import { type Readable } from 'node:stream';
import { ImageError, type ImageErrorKind } from '../image-error';
import { type HttpResponse } from './http-transport';

/** What a failed response said. */
export interface RegistryFailure {
  readonly status: number;
  /** The errors' codes as the registry spelt them: MANIFEST_UNKNOWN, NAME_UNKNOWN, DENIED... */
  readonly codes: readonly string[];
  /** Docker's rendering: `<code in words>: <message>`, joined by "; ". */
  readonly text: string;
}

/** The largest body read from a response that is not a manifest or a blob. */
const ERROR_BODY_MAX = 64 * 1024;

/** Reads a whole body, failing past `limit` bytes instead of buffering whatever a server sends. */
export async function readBody(body: Readable, limit: number, what = 'response'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new ImageError(`${what} larger than ${limit} bytes`, 'invalid');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads `res`'s body (up to 64 KiB) and renders what it says. */
export async function readFailure(res: HttpResponse): Promise<RegistryFailure> {
  const body = await readBody(res.body, ERROR_BODY_MAX).catch(() => Buffer.alloc(0));
  return parseFailure(res.status, body);
}

/** The failure a status and body describe (exported for unit tests). */
export function parseFailure(status: number, body: Buffer): RegistryFailure {
  const codes: string[] = [];
  const parts: string[] = [];
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: unknown; details?: unknown; message?: unknown };
    for (const e of Array.isArray(json.errors) ? json.errors : []) {
      const code = typeof e?.code === 'string' ? e.code : 'UNKNOWN';
      codes.push(code);
      const words = code.toLowerCase().replace(/_/g, ' ');
      parts.push(typeof e?.message === 'string' && e.message !== '' ? `${words}: ${e.message}` : words);
    }
    // Token servers answer in their own shapes: Docker Hub's {"details": "..."}.
    if (parts.length === 0 && typeof json.details === 'string') parts.push(json.details);
    if (parts.length === 0 && typeof json.message === 'string') parts.push(json.message);
  } catch {
    // not JSON: the status line speaks instead
  }
  return { status, codes, text: parts.length > 0 ? parts.join('; ') : `${status} ${STATUS_CODES[status] ?? 'unexpected status'}` };
}

/** The ImageError kind of an HTTP status. */
export function kindOfStatus(status: number): ImageErrorKind {
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 409) return 'conflict';
  if (status >= 500 || status === 429 || status === 408) return 'unavailable';
  return 'invalid';
}
