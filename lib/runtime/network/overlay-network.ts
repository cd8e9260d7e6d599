/**
 * `berth network create -d overlay`: the flags and `-o` options an overlay network accepts, the
 * request berthd gets, and the record made from berthd's answer.
 */
import type { OverlayConfig } from '../../overlay';
import type { OverlayNetworkRequest } from './berthd-client';
import { parseSubnet, type Subnet } from './subnets';
import { NetworkError, OPT_MTU, OPT_PORT, OPT_SUBNET_LEN, OPT_VNI, OPT_VXLANID_LIST, type CreateNetworkRequest, type OverlayNetworkInfo } from './types';

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
  return {
    name: req.name,
    network: cluster.text,
    ...(subnetLen === undefined ? {} : { subnetLen }),
    ...optional('vni', intOption(o, OPT_VNI, 1, 0xffffff)),
    ...optional('port', intOption(o, OPT_PORT, 1, 65535)),
  };
}

/**
 * The cluster CIDR berthd stored, checked against the one asked for: a network that another host
 * created first keeps its own, and an explicit --subnet must agree with it.
 * @throws {NetworkError} conflict when they differ
 */
export function storedCluster(config: OverlayConfig, asked: string | undefined, name: string): Subnet {
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
    overlay: { runDir, vni: config.Backend.VNI, port: config.Backend.Port, subnetLen: config.SubnetLen },
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
