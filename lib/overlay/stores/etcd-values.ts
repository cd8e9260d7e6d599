/**
 * Turning etcd key-values into the overlay model. A lease's value is flannel's LeaseAttrs JSON; its
 * expiry is the TTL of the etcd lease attached to the key (a key with no etcd lease is a reservation
 * and never expires, as in flannel).
 */
import type { IKeyValue, Namespace } from 'etcd3';
import type { Lease } from '../types';
import { subnetOfKey } from './keys';
import { parseLeaseAttrs } from './lease-attrs';

/** etcd's "no lease" ID. */
export const NO_LEASE = '0';

/** The lease a key-value holds; throws a TypeError for a key that names no subnet or a malformed value. */
export function leaseOfKv(kv: IKeyValue, expiresAt?: number): Lease {
  const key = kv.key.toString();
  const subnet = subnetOfKey(key);
  if (subnet === undefined) throw new TypeError(`etcd key ${key} does not name a subnet`);
  let value: unknown;
  try {
    value = JSON.parse(kv.value.toString());
  } catch {
    throw new TypeError(`etcd key ${key}: the value is not JSON`);
  }
  const attrs = parseLeaseAttrs(value, `etcd key ${key}`);
  return expiresAt === undefined ? { subnet, attrs } : { subnet, attrs, expiresAt };
}

/**
 * When the key's etcd lease runs out, as unix ms (whole seconds: etcd counts in seconds); undefined for
 * a key with no lease, or when the TTL cannot be read (the lease is then reported as not expiring
 * rather than failing the listing: etcd itself deletes the key when the lease ends, and that is what
 * the watches report).
 */
export async function expiryOfKv(client: Namespace, kv: IKeyValue): Promise<number | undefined> {
  if (kv.lease === undefined || kv.lease === NO_LEASE || kv.lease === '') return undefined;
  try {
    const res = await client.leaseClient.leaseTimeToLive({ ID: kv.lease });
    const ttl = Number(res.TTL);
    // -1: the lease is gone (expired, revoked) and the key about to be deleted.
    return Date.now() + Math.max(0, ttl) * 1000;
  } catch {
    return undefined;
  }
}

/** etcd's lease TTL for `ttlMs`: whole seconds, rounded up, at least 2 (the server's minimum). */
export function etcdTtlSeconds(ttlMs: number): number {
  return Math.max(2, Math.ceil(ttlMs / 1000));
}
