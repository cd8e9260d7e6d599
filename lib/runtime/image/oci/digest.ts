/**
 * Content digests as the image formats write them: `sha256:<64 lowercase hex>`. berth stores and
 * verifies sha256 only (every registry and `docker save` uses it); other algorithms are refused by
 * name instead of being trusted unverified.
 */
import { createHash, type Hash } from 'node:crypto';
import { ImageError } from '../image-error';

const SHA256 = /^sha256:([0-9a-f]{64})$/;

/** True when `value` is a well-formed sha256 digest. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value);
}

/**
 * The hex part of a sha256 digest, checked (it becomes a file name: nothing else may pass).
 * @throws ImageError invalid, naming `field`.
 */
export function digestHex(value: unknown, field = 'digest'): string {
  const m = typeof value === 'string' ? SHA256.exec(value) : null;
  if (m) return m[1]!;
  if (typeof value === 'string' && /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(value) && !value.startsWith('sha256:')) {
    throw new ImageError(`${field}: unsupported digest algorithm in ${JSON.stringify(value)} (berth verifies sha256 only)`, 'invalid');
  }
  throw new ImageError(`${field}: invalid digest ${JSON.stringify(value) ?? String(value)}: want sha256:<64 hex digits>`, 'invalid');
}

/** `sha256:<hex>` of `data`. */
export function digestOf(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A running sha256 whose result is written as a digest. */
export function digester(): { hash: Hash; digest: () => string } {
  const hash = createHash('sha256');
  return { hash, digest: () => `sha256:${hash.digest('hex')}` };
}
