/**
 * Checks on what goes into a store and what comes back out of it: stored values are JSON written by
 * another process (or another program), so they are checked before anyone programs a datapath from
 * them.
 */
import { parseIP } from '../../ip';
import type { LeaseAttrs } from '../types';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * Validates lease attributes (a stored value or a caller's argument) and returns them as a fresh
 * object with exactly the known fields. Throws a TypeError naming the field.
 */
export function parseLeaseAttrs(value: unknown, where = 'lease attrs'): LeaseAttrs {
  const v = value as Partial<Record<string, unknown>> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError(`${where}: must be an object`);
  const ip = v.PublicIP;
  if (typeof ip !== 'string' || parseIP(ip)?.family !== 4) throw new TypeError(`${where}: PublicIP: ${JSON.stringify(ip)} is not an IPv4 address`);
  if (v.BackendType !== 'vxlan') throw new TypeError(`${where}: BackendType: ${JSON.stringify(v.BackendType)} is not "vxlan"`);
  const data = v.BackendData as Partial<Record<string, unknown>> | null | undefined;
  if (typeof data !== 'object' || data === null) throw new TypeError(`${where}: BackendData: must be an object`);
  const vni = data.VNI;
  if (typeof vni !== 'number' || !Number.isInteger(vni) || vni < 1 || vni > 0xffffff) {
    throw new TypeError(`${where}: BackendData.VNI: ${JSON.stringify(vni)} is not an integer in 1..16777215`);
  }
  const mac = data.VtepMAC;
  if (typeof mac !== 'string' || !MAC.test(mac)) throw new TypeError(`${where}: BackendData.VtepMAC: ${JSON.stringify(mac)} is not a MAC address`);
  return { PublicIP: ip, BackendType: 'vxlan', BackendData: { VNI: vni, VtepMAC: mac.toLowerCase() } };
}

/** Throws unless `ttlMs` is a positive finite number of milliseconds. */
export function checkTtl(ttlMs: number): void {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new TypeError(`lease ttlMs: ${JSON.stringify(ttlMs)} is not a positive number of milliseconds`);
  }
}

/** True when two leases' attrs program the same datapath entries (PublicIP, VtepMAC, VNI). */
export function sameEndpoint(a: LeaseAttrs, b: LeaseAttrs): boolean {
  return a.PublicIP === b.PublicIP && a.BackendData.VtepMAC.toLowerCase() === b.BackendData.VtepMAC.toLowerCase() && a.BackendData.VNI === b.BackendData.VNI;
}
