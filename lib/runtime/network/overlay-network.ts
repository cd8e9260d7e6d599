/**
 * `berth network create -d overlay`: the flags and `-o` options an overlay network accepts, the
 * request berthd gets, and the record made from berthd's answer.
 */
import { formatCidr, networkOf, parseCidr } from '../../ip';
import type { OverlayConfig } from '../../overlay';
import type { OverlayNetworkRequest } from './berthd-client';
import { parseSubnet, type Subnet } from './subnets';
import {
  NetworkError, OPT_IPV6_SUBNET_LEN, OPT_MTU, OPT_PORT, OPT_SUBNET_LEN, OPT_VNI, OPT_VXLANID_LIST, type CreateNetworkRequest, type OverlayNetworkInfo,
} from './types';

/**
 * Checks what an overlay network cannot have and builds berthd's request for `cluster`. Each host's
 * gateway is the first address of its own leased subnet and the MTU follows the underlay, so
 * --gateway, --ip-range and the MTU option are refused, as is --internal (the plugin always routes
 * the default route through the bridge).
 * @throws {NetworkError} naming the flag or option and its value
 */
export function overlayRequest(req: CreateNetworkRequest, cluster: Subnet): OverlayNetworkRequest {
  if (req.gateway !== undefined) throw unsupported('--gateway', 'each host\'s gateway is the first address of the subnet berthd leased for it');
  if (req.ipRange !== undefined) throw unsupported('--ip-range', 'addresses come from the subnet berthd leased for each host');
  if (req.internal) throw unsupported('--internal', 'overlay containers always get a default route through their host');
  const o = req.options ?? {};
  if (o[OPT_MTU] !== undefined) throw unsupported(`option ${OPT_MTU}`, 'the MTU follows the underlay (berthd leases it with the subnet)');
  const subnetLen = intOption(o, OPT_SUBNET_LEN, cluster.cidr.prefix + 1, 30);
  const v6 = ipv6Cluster(req);
  const ipv6SubnetLen = v6 === undefined ? undefined : intOption(o, OPT_IPV6_SUBNET_LEN, v6.prefix + 1, 126);
  if (v6 === undefined && o[OPT_IPV6_SUBNET_LEN] !== undefined) throw new NetworkError(`option ${OPT_IPV6_SUBNET_LEN} needs --ipv6 and an IPv6 --subnet`, 'invalid');
  return {
    name: req.name,
    network: cluster.text,
    ...(subnetLen === undefined ? {} : { subnetLen }),
    ...(v6 === undefined ? {} : { ipv6Network: v6.text }),
    ...optional('ipv6SubnetLen', ipv6SubnetLen),
    ...optional('vni', intOption(o, OPT_VNI, 1, 0xffffff)),
    ...optional('port', intOption(o, OPT_PORT, 1, 65535)),
  };
}

/**
 * The IPv6 cluster CIDR of `--ipv6 --subnet <v6>`, canonical; undefined without --ipv6. An overlay
 * network is IPv4 always (its IPv4 --subnet, or one berth picks), and dual-stack with --ipv6, which
 * needs the IPv6 --subnet: berth has no default IPv6 pool to pick one from.
 * @throws {NetworkError} naming the flag
 */
export function ipv6Cluster(req: CreateNetworkRequest): { text: string; prefix: number } | undefined {
  if (!req.enableIPv6) {
    if (req.ipv6Subnet !== undefined) throw new NetworkError(`invalid subnet ${req.ipv6Subnet}: an IPv6 subnet needs --ipv6`, 'invalid');
    return undefined;
  }
  if (req.ipv6Subnet === undefined) throw new NetworkError('--ipv6 on an overlay network needs an IPv6 --subnet (such as fd00:10:244::/48): berth has no default IPv6 pool', 'invalid');
  const c = parseCidr(req.ipv6Subnet);
  if (!c || c.ip.family !== 6) throw new NetworkError(`invalid CIDR address: ${req.ipv6Subnet}`, 'invalid');
  const canonical = formatCidr({ ip: { family: 6, value: networkOf(c) }, prefix: c.prefix });
  if (canonical !== req.ipv6Subnet) throw new NetworkError(`invalid subnet ${req.ipv6Subnet}: it should be ${canonical}`, 'invalid');
  if (c.prefix < 8 || c.prefix > 124) throw new NetworkError(`invalid subnet ${req.ipv6Subnet}: an overlay's IPv6 subnet is from /8 to /124`, 'invalid');
  return { text: canonical, prefix: c.prefix };
}

/**
 * The cluster CIDR berthd stored, checked against the one asked for: a network that another host
 * created first keeps its own, and an explicit --subnet must agree with it (the IPv6 one too:
 * `askedV6` is the IPv6 --subnet of --ipv6, and a dual-stack network asked of an IPv4-only stored one
 * is refused, as the other way round is not: leaving out --ipv6 joins whatever is stored).
 * @throws {NetworkError} conflict when they differ
 */
export function storedCluster(config: OverlayConfig, asked: string | undefined, name: string, askedV6?: string): Subnet {
  if (askedV6 !== undefined && askedV6 !== config.IPv6Network) {
    const has = config.IPv6Network === undefined ? 'no IPv6 subnet' : `IPv6 subnet ${config.IPv6Network}`;
    throw new NetworkError(`overlay network ${name} already exists in berthd's store with ${has} (asked for ${askedV6}): leave out --ipv6 and its --subnet to join it`, 'conflict');
  }
  let stored: Subnet;
  try {
    stored = parseSubnet(config.Network);
  } catch (err) {
    throw new NetworkError(`berthd holds an unusable subnet for overlay network ${name}: ${(err as Error).message}`, 'unavailable');
  }
  if (asked !== undefined && asked !== stored.text) {
    throw new NetworkError(`overlay network ${name} already exists in berthd's store with subnet ${stored.text} (asked for ${asked}): leave out --subnet to join it`, 'conflict');
  }
  return stored;
}

/** The overlay part of the record, and the options shown by inspect (Docker's vxlanid_list added). */
export function overlayRecord(config: OverlayConfig, runDir: string, options: Record<string, string> = {}): { overlay: OverlayNetworkInfo; options: Record<string, string> } {
  return {
    overlay: {
      runDir, vni: config.Backend.VNI, port: config.Backend.Port, subnetLen: config.SubnetLen,
      ...(config.IPv6SubnetLen !== undefined ? { ipv6SubnetLen: config.IPv6SubnetLen } : {}),
    },
    options: { ...options, [OPT_VXLANID_LIST]: String(config.Backend.VNI) },
  };
}

function intOption(o: Record<string, string>, key: string, min: number, max: number): number | undefined {
  const text = o[key];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new NetworkError(`invalid value ${JSON.stringify(text)} for option ${key}: an integer from ${min} to ${max}`, 'invalid');
  }
  return n;
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function unsupported(what: string, why: string): NetworkError {
  return new NetworkError(`${what} is not supported by the overlay driver: ${why}`, 'invalid');
}
