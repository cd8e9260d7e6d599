import path from 'node:path';
import { CniCode, CniError, type ParsedRoute } from '../cni';
import { validateNetworkName } from './disk-store';
import { configError, show } from './errors';
import { parseExclude, type Interval } from './exclude';
import { formatCidr, formatIP, ipKey, lastOf, networkOf, parseCidr, parseIP, parseIPOrCidr, type Cidr, type IP } from '../ip';
import { DEFAULT_IPAM_DATA_DIR } from '../paths';
import { canonicalizeRange, type RangeInput } from './range';
import { canonicalizeRangeSet, checkDisjointSets, type RangeSet } from './range-set';

/** The `ipam` section host-local reads (the keys of the reference, plus `exclude`). */
export interface HostLocalIpamInput extends RangeInput {
  type?: string;
  ranges?: unknown[] | null;
  routes?: unknown[] | null;
  dataDir?: string | null;
  resolvConf?: string | null;
  exclude?: unknown[] | null;
}

/** The parts of a network config host-local reads: IPAM plugins receive the whole config. */
export interface HostLocalNetConf {
  cniVersion?: string;
  name: string;
  ipam?: HostLocalIpamInput | null;
  args?: { cni?: { ips?: unknown[] | null } | null } | null;
  runtimeConfig?: { ips?: unknown[] | null; ipRanges?: unknown[] | null } | null;
}

/** Where a network's leases live: enough for DEL and GC, which must work whatever the ranges say. */
export interface StoreRef {
  name: string;
  dataDir: string;
}

/** A validated host-local configuration, ready for ipamAdd and friends. */
export interface HostLocalConfig extends StoreRef {
  cniVersion: string;
  /** runtimeConfig.ipRanges, then the legacy top-level range, then ipam.ranges (the reference's order). */
  rangeSets: RangeSet[];
  /** `ipam.routes`, checked and parsed (the result carries them as they are). */
  routes: ParsedRoute[];
  /** A resolv.conf to parse into the result's `dns` at ADD. */
  resolvConf: string | undefined;
  exclude: Interval[];
  /** From CNI_ARGS `IP=`, `args.cni.ips` and `runtimeConfig.ips`, in that order, duplicates dropped. */
  requestedIPs: IP[];
}

/** Resolves what DEL and GC need (network name and data directory), validating only that. */
export function resolveStoreRef(conf: HostLocalNetConf): StoreRef {
  validateNetworkName(conf.name, '/name');
  const ipam = ipamOf(conf);
  const dataDir = ipam.dataDir ?? '';
  if (typeof dataDir !== 'string' || dataDir.includes('\0')) {
    throw configError('/ipam/dataDir', `must be a path without NUL bytes, got ${show(dataDir)}`);
  }
  // Leases are found (and removed) under it: it must name one place whatever the caller's cwd, and
  // say where it is without `..` (a DEL must never release files somewhere the name hides).
  if (dataDir !== '' && !path.isAbsolute(dataDir)) throw configError('/ipam/dataDir', `must be an absolute path, got ${show(dataDir)}`);
  if (dataDir.split('/').includes('..')) throw configError('/ipam/dataDir', `must not contain ".." components, got ${show(dataDir)}`);
  return { name: conf.name, dataDir: dataDir === '' ? DEFAULT_IPAM_DATA_DIR : dataDir };
}

/**
 * Validates a host-local configuration the way the reference's LoadIPAMConfig does, with code 7
 * errors naming the field. `cniArgsIP` is CNI_ARGS `IP=` (a bad one is code 4: it is an environment
 * variable). A requested address may carry a prefix, which is ignored, as in the reference.
 */
export function resolveHostLocalConfig(conf: HostLocalNetConf, cniArgsIP?: string): HostLocalConfig {
  const ref = resolveStoreRef(conf);
  const ipam = ipamOf(conf);
  const cniVersion = conf.cniVersion ?? '0.1.0';

  const rangeSets: RangeSet[] = [];
  listOf(conf.runtimeConfig?.ipRanges, '/runtimeConfig/ipRanges')
    .forEach((s, i) => rangeSets.push(canonicalizeRangeSet(s, `/runtimeConfig/ipRanges/${i}`)));
  // Go decodes an absent subnet to nil and then ignores the legacy keys; a present one makes set 0.
  if (ipam.subnet !== undefined && ipam.subnet !== null && ipam.subnet !== '') {
    const r = canonicalizeRange(ipam, '/ipam');
    rangeSets.push({ family: r.family, ranges: [r], field: '/ipam/subnet' });
  }
  listOf(ipam.ranges, '/ipam/ranges').forEach((s, i) => rangeSets.push(canonicalizeRangeSet(s, `/ipam/ranges/${i}`)));
  if (rangeSets.length === 0) throw configError('/ipam/ranges', 'no IP ranges specified');
  checkDisjointSets(rangeSets);
  const perFamily = (f: number): number => rangeSets.filter((s) => s.family === f).length;
  if ((perFamily(4) > 1 || perFamily(6) > 1) && versionBelow(cniVersion, [0, 3, 0])) {
    // 0.1.0/0.2.0 results hold one ip4 and one ip6 section.
    throw configError('/ipam/ranges', `CNI version ${cniVersion} does not support more than 1 address per family`);
  }

  // One source naming an address twice asks for two addresses where it can get one: refused, naming
  // the repeat. Two sources naming one address (CNI_ARGS IP= and the `ips` capability, as runtimes
  // send both) are one request, as in the reference.
  const requested: IP[] = [];
  const seen = new Set<string>();
  const want = (list: readonly IP[]): void => {
    for (const ip of list) if (!seen.has(ipKey(ip))) requested.push(ip);
    for (const ip of list) seen.add(ipKey(ip));
  };
  if (cniArgsIP !== undefined && cniArgsIP !== '') want(cniArgsIPs(cniArgsIP));
  const argsCni = conf.args?.cni;
  want(requestedList(argsCni?.ips, '/args/cni/ips', CniCode.InvalidNetworkConfig));
  want(requestedList(conf.runtimeConfig?.ips, '/runtimeConfig/ips', CniCode.InvalidNetworkConfig));

  const resolvConf = ipam.resolvConf ?? '';
  if (typeof resolvConf !== 'string' || resolvConf.includes('\0')) {
    throw configError('/ipam/resolvConf', `must be a path without NUL bytes, got ${show(resolvConf)}`);
  }
  return {
    ...ref,
    cniVersion,
    rangeSets,
    routes: checkRouteGateways(listOf(ipam.routes, '/ipam/routes').map((r, i) => parseRoute(r, `/ipam/routes/${i}`)), rangeSets),
    resolvConf: resolvConf === '' ? undefined : resolvConf,
    exclude: parseExclude(ipam.exclude, '/ipam/exclude'),
    requestedIPs: requested,
  };
}

function ipamOf(conf: HostLocalNetConf): HostLocalIpamInput {
  const ipam = conf.ipam;
  if (ipam === undefined || ipam === null) throw configError('/ipam', "IPAM config missing 'ipam' key");
  if (typeof ipam !== 'object' || Array.isArray(ipam)) throw configError('/ipam', `must be an object, got ${show(ipam)}`);
  return ipam;
}

/** An optional list: absent and null are empty, as Go decodes them. */
function listOf(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw configError(field, `must be an array, got ${show(value)}`);
  return value;
}

function requestedIP(value: unknown, field: string): IP {
  const ip = typeof value === 'string' ? parseIPOrCidr(value) : undefined;
  if (ip === undefined) throw configError(field, `invalid IP address: ${show(value)}`);
  return ip;
}

/** One list of requested addresses (`args.cni.ips`, `runtimeConfig.ips`): each valid, none twice. */
function requestedList(value: unknown, field: string, code: number): IP[] {
  const out: IP[] = [];
  listOf(value, field).forEach((v, i) => {
    const ip = requestedIP(v, `${field}/${i}`);
    const first = out.findIndex((o) => ipKey(o) === ipKey(ip));
    if (first >= 0) throw new CniError(code, `invalid config: ${field}/${i}: ${formatIP(ip)} is requested twice (also ${field}/${first})`);
    out.push(ip);
  });
  return out;
}

/**
 * CNI_ARGS `IP=`: one address, or several separated by commas (the reference's IPAMEnvArgs), each
 * at most once. Code 4: it is an environment variable.
 */
function cniArgsIPs(text: string): IP[] {
  const out: IP[] = [];
  for (const item of text.split(',').map((t) => t.trim())) {
    const ip = parseIPOrCidr(item);
    if (ip === undefined) throw new CniError(CniCode.InvalidEnvironmentVariables, `CNI_ARGS: IP: invalid IP address: ${show(item)}`);
    if (out.some((o) => ipKey(o) === ipKey(ip))) throw new CniError(CniCode.InvalidEnvironmentVariables, `CNI_ARGS: IP: ${formatIP(ip)} is requested twice`);
    out.push(ip);
  }
  return out;
}

/**
 * A route's `gw` must be reachable on the interface: inside a subnet of a range set of its family
 * (one of which gives the interface its address). The kernel refuses an off-link gateway with
 * ENETUNREACH, after the links exist; refused here, before anything is made.
 */
function checkRouteGateways(routes: ParsedRoute[], sets: readonly RangeSet[]): ParsedRoute[] {
  routes.forEach((r, i) => {
    const gw = r.gw;
    if (gw === undefined) return;
    const subnets = sets.filter((s) => s.family === gw.family).flatMap((s) => s.ranges.map((x) => x.subnet));
    // No range of its family here: another plugin of the chain may give that address (configureIface
    // checks again against the addresses it really applies).
    if (subnets.length === 0) return;
    if (!subnets.some((c) => gw.value >= networkOf(c) && gw.value <= lastOf(c))) {
      throw configError(`/ipam/routes/${i}/gw`, `gateway ${formatIP(gw)} is unreachable: it is in none of the interface's subnets (${subnets.map(formatCidr).join(', ')})`);
    }
  });
  return routes;
}

/** A route of `ipam.routes`: copied to the result, with dst and gw checked. */
function parseRoute(value: unknown, field: string): ParsedRoute {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw configError(field, `must be an object, got ${show(value)}`);
  }
  const r = value as Record<string, unknown>;
  const dst = typeof r.dst === 'string' ? parseCidr(r.dst) : undefined;
  if (dst === undefined) throw configError(`${field}/dst`, `invalid CIDR address: ${show(r.dst)}`);
  // Host bits are cleared (10.1.2.3/16 is 10.1.0.0/16): the kernel refuses a route with them
  // (EINVAL), which the reference's bridge reports as 999 after the veth exists.
  const masked: Cidr = { ip: { family: dst.ip.family, value: networkOf(dst) }, prefix: dst.prefix };
  const out: { -readonly [K in keyof ParsedRoute]: ParsedRoute[K] } = { dst: masked };
  if (r.gw !== undefined && r.gw !== null && r.gw !== '') {
    const gw = typeof r.gw === 'string' ? parseIP(r.gw) : undefined;
    if (gw === undefined) throw configError(`${field}/gw`, `invalid IP address: ${show(r.gw)}`);
    if (gw.family !== dst.ip.family) throw configError(`${field}/gw`, `gateway ${formatIP(gw)} is not an IPv${dst.ip.family} address like dst ${formatCidr(masked)}`);
    out.gw = gw;
  }
  // The 1.1 route attributes; Go's types.Route drops any other key, and so do we.
  for (const key of ROUTE_NUMBERS) {
    const v = r[key];
    if (v === undefined || v === null) continue;
    const max = key === 'scope' ? 255 : 0xffff_ffff; // rtm_scope is a u8, the others u32
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) {
      throw configError(`${field}/${key}`, `must be an integer from 0 to ${max}, got ${show(v)}`);
    }
    out[key] = v;
  }
  return out;
}

const ROUTE_NUMBERS = ['mtu', 'advmss', 'priority', 'table', 'scope'] as const;

function versionBelow(version: string, than: [number, number, number]): boolean {
  const v = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    if ((v[i] ?? 0) !== than[i]) return (v[i] ?? 0) < than[i]!;
  }
  return false;
}
