/**
 * The master (lower device): named in the config, or the interface of the default route, looked up in
 * the netns it lives in (the host's, or the container's with `linkInContainer`). Its absence is a
 * domain error here; each verb picks its CNI code (errors.ts): ADD 7, CHECK 114, STATUS 50.
 */
import { IFF_LOOPBACK, RTN_UNICAST, isLinkNotFound, linkByIndex, linkByName, routeList, type Link, type NetlinkHandle } from '../../lib/netlink';
import { configError, type MacvlanConfig } from './config';

/** Where the master is looked up, for messages. */
export type MasterPlace = 'host' | 'container';

/** The configured master does not exist in the netns where it should be. */
export class MasterNotFoundError extends Error {
  readonly master: string;
  constructor(master: string, place: MasterPlace, cause?: unknown) {
    super(`master ${JSON.stringify(master)} not found in the ${place} network namespace`, { cause });
    this.name = 'MasterNotFoundError';
    this.master = master;
  }
}

/** No master was configured and the netns has no default route to take it from. */
export class NoDefaultRouteError extends Error {
  readonly place: MasterPlace;
  constructor(place: MasterPlace) {
    super(`no master given and no default route interface found in the ${place} network namespace`);
    this.name = 'NoDefaultRouteError';
    this.place = place;
  }
}

/**
 * The master exists but the kernel cannot put a macvlan on it (macvlan_port_create refuses with
 * EINVAL what is not Ethernet, and the loopback device): the config's fault, named before anything is
 * created. Bridges, veths and VXLAN devices are Ethernet and fine.
 */
export class MasterUnusableError extends Error {
  readonly master: string;
  constructor(master: string, why: string) {
    super(`master ${JSON.stringify(master)} cannot carry a macvlan: ${why}`);
    this.name = 'MasterUnusableError';
    this.master = master;
  }
}

/** True for MasterUnusableError (by name, so that two bundled copies agree). */
export function isMasterUnusable(err: unknown): err is MasterUnusableError {
  return err instanceof Error && err.name === 'MasterUnusableError';
}

/** True for the two errors above (by name, so that two bundled copies agree). */
export function isMasterMissing(err: unknown): err is MasterNotFoundError | NoDefaultRouteError {
  return err instanceof Error && (err.name === 'MasterNotFoundError' || err.name === 'NoDefaultRouteError');
}

/**
 * The master link, through `h` (a handle in the netns it lives in). Without `conf.master`: the output
 * link of the first default route of the main table, IPv4 before IPv6 as the kernel dumps them (the
 * reference's `getDefaultRouteInterfaceName`); multipath and unreachable defaults have no single
 * link and are skipped.
 * @throws {MasterNotFoundError | NoDefaultRouteError}
 */
export async function findMaster(h: NetlinkHandle, conf: Pick<MacvlanConfig, 'master' | 'linkInContainer'>): Promise<Link> {
  return checkUsable(await lookupMaster(h, conf));
}

/**
 * A macvlan needs an Ethernet lower device: not the loopback device, and one with a 6-byte MAC
 * (ARPHRD_ETHER devices have one; the kernel's other types, tun in L3 mode, ipip, ..., do not).
 * @throws {MasterUnusableError}
 */
export function checkUsable(master: Link): Link {
  if ((master.flags & IFF_LOOPBACK) !== 0) throw new MasterUnusableError(master.name, 'it is the loopback device (a macvlan needs an Ethernet device)');
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(master.hardwareAddr ?? '')) {
    throw new MasterUnusableError(master.name, `it is not an Ethernet device (its hardware address is ${JSON.stringify(master.hardwareAddr ?? '')})`);
  }
  return master;
}

async function lookupMaster(h: NetlinkHandle, conf: Pick<MacvlanConfig, 'master' | 'linkInContainer'>): Promise<Link> {
  const place: MasterPlace = conf.linkInContainer ? 'container' : 'host';
  if (conf.master !== undefined) {
    try {
      return await linkByName(h, conf.master);
    } catch (err) {
      if (isLinkNotFound(err)) throw new MasterNotFoundError(conf.master, place, err);
      throw err;
    }
  }
  const route = (await routeList(h)).find((r) => r.dst === 'default' && r.type === RTN_UNICAST && r.index !== undefined);
  if (!route) throw new NoDefaultRouteError(place);
  try {
    return await linkByIndex(h, route.index!);
  } catch (err) {
    // The route's link went away between the two requests.
    if (isLinkNotFound(err)) throw new NoDefaultRouteError(place);
    throw err;
  }
}

/**
 * The reference's rule: `mtu` must lie in [0, master MTU] (a macvlan cannot be larger than its lower
 * device). Code 7 naming `/mtu`, with the reference's wording.
 */
export function checkMtu(conf: Pick<MacvlanConfig, 'mtu'>, master: Link): void {
  if (conf.mtu > master.mtu) {
    throw configError('/mtu', `invalid MTU ${conf.mtu}, must be [0, master MTU(${master.mtu})] (master ${JSON.stringify(master.name)})`);
  }
}
