import { formatCidr, networkOf, parseCidr } from '../../lib/ip';
import { defaultIPv6SubnetLen, defaultSubnetLen, type OverlayConfig } from '../../lib/overlay';
import { checkNetworkName, UsageError } from './config';

/** `POST /v1/networks` body: `{name, network, subnetLen?, ipv6Network?, ipv6SubnetLen?, vni?, port?}`. */
export interface NetworkRequest {
  readonly name: string;
  readonly config: OverlayConfig;
  /** True when the request named the VNI (a taken one is then refused rather than replaced). */
  readonly vniGiven: boolean;
}

/** IANA's VXLAN port. */
export const DEFAULT_VXLAN_PORT = 4789;

/**
 * Validates a create request into a config. Without `vni`, the lowest VNI not in `usedVnis` (the
 * caller passes every VNI the cluster's other networks hold: two networks with one VNI would share
 * one VXLAN device on every node).
 * @throws {UsageError} naming the field and the value
 */
export function parseNetworkRequest(body: unknown, usedVnis: readonly number[] = []): NetworkRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError('request body: want a JSON object');
  const b = body as Record<string, unknown>;
  const known = new Set(['name', 'network', 'subnetLen', 'ipv6Network', 'ipv6SubnetLen', 'vni', 'port']);
  for (const k of Object.keys(b)) if (!known.has(k)) throw new UsageError(`unknown field ${JSON.stringify(k)}`);
  if (typeof b.name !== 'string') throw new UsageError('name: want a string');
  checkNetworkName(b.name, 'name');
  if (typeof b.network !== 'string') throw new UsageError('network: want a CIDR string such as "10.244.0.0/16"');
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(b.network);
  const octets = m ? m[1]!.split('.').map(Number) : [];
  const prefix = m ? Number(m[2]) : NaN;
  if (!m || octets.some((o) => o > 255) || prefix > 28 || prefix < 8) {
    throw new UsageError(`network ${JSON.stringify(b.network)}: want an IPv4 CIDR from /8 to /28`);
  }
  const value = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (value % 2 ** (32 - prefix) !== 0) throw new UsageError(`network ${JSON.stringify(b.network)}: host bits are set`);
  const subnetLen = int(b.subnetLen, 'subnetLen', defaultSubnetLen(b.network));
  if (subnetLen <= prefix || subnetLen > 30) throw new UsageError(`subnetLen ${subnetLen}: want ${prefix + 1}..30 for a /${prefix} network`);
  const v6 = ipv6Fields(b);
  let vni = 1;
  while (usedVnis.includes(vni)) vni++;
  vni = int(b.vni, 'vni', vni);
  if (vni < 1 || vni > 0xffffff) throw new UsageError(`vni ${vni}: want 1..16777215`);
  const port = int(b.port, 'port', DEFAULT_VXLAN_PORT);
  if (port < 1 || port > 65535) throw new UsageError(`port ${port}: want 1..65535`);
  return {
    name: b.name, vniGiven: b.vni !== undefined && b.vni !== null,
    config: { Network: b.network, SubnetLen: subnetLen, ...v6, Backend: { Type: 'vxlan', VNI: vni, Port: port } },
  };
}

/**
 * The dual-stack half of a request: `ipv6Network` a canonical IPv6 network from /8 to /124 (it names
 * the lease keys, so one spelling only), `ipv6SubnetLen` longer than it and at most 126 (flannel's
 * default: 64, or two bits longer than a network smaller than /62). Neither: an IPv4-only network.
 */
function ipv6Fields(b: Record<string, unknown>): { IPv6Network?: string; IPv6SubnetLen?: number } {
  if (b.ipv6Network === undefined || b.ipv6Network === null) {
    if (b.ipv6SubnetLen !== undefined && b.ipv6SubnetLen !== null) throw new UsageError('ipv6SubnetLen: given without ipv6Network');
    return {};
  }
  const text = b.ipv6Network;
  const c = typeof text === 'string' ? parseCidr(text) : undefined;
  if (c === undefined || c.ip.family !== 6 || c.prefix < 8 || c.prefix > 124) {
    throw new UsageError(`ipv6Network ${JSON.stringify(text)}: want an IPv6 CIDR from /8 to /124 such as "fd00:10:244::/48"`);
  }
  const canonical = formatCidr({ ip: { family: 6, value: networkOf(c) }, prefix: c.prefix });
  if (networkOf(c) !== c.ip.value) throw new UsageError(`ipv6Network ${JSON.stringify(text)}: host bits are set (the network is ${canonical})`);
  if (canonical !== text) throw new UsageError(`ipv6Network ${JSON.stringify(text)}: write it as ${canonical}`);
  const len = int(b.ipv6SubnetLen, 'ipv6SubnetLen', defaultIPv6SubnetLen(canonical));
  if (len <= c.prefix || len > 126) throw new UsageError(`ipv6SubnetLen ${len}: want ${c.prefix + 1}..126 for a /${c.prefix} network`);
  return { IPv6Network: canonical, IPv6SubnetLen: len };
}

function int(v: unknown, field: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new UsageError(`${field}: want an integer, got ${JSON.stringify(v)}`);
  return v;
}
