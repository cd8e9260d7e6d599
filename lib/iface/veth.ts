/**
 * A container's veth pair, made with one RTM_NEWLINK from the host: the host end `veth<8 hex>` in the
 * host netns, its peer created straight into the container netns under the container's interface name
 * (VETH_INFO_PEER + IFLA_NET_NS_FD), so no thread switches namespace and nothing is ever renamed.
 */
import fs from 'node:fs';
import { NetlinkError, isLinkNotFound, linkAdd, linkByName, linkDel, type NetlinkHandle, type VethLink } from '../netlink';
import type { Netns } from '../netns';

/** How often a fresh random host name is tried when the last one was taken (the reference's count). */
const NAME_ATTEMPTS = 10;

/** What setupVeth creates. */
export interface VethOptions {
  /** The container end's name (CNI_IFNAME). */
  readonly ifName: string;
  /** The container netns, and a handle opened in it (to read the container end back). */
  readonly containerNs: Netns;
  readonly container: NetlinkHandle;
  /** MTU of both ends; kernel default when undefined or 0. */
  readonly mtu?: number;
  /** The container end's MAC; random (kernel) when undefined. */
  readonly containerMac?: string;
  /** Enslave the host end to this bridge (or other master) as it is created. */
  readonly hostMasterIndex?: number;
  /** Bring the host end up as it is created. */
  readonly hostUp?: boolean;
  /** Host name generator (tests); default `veth` + 8 random hex digits, as the reference names them. */
  readonly hostName?: () => string;
  /** The host name tried first (attachmentVethName); the generator's names follow if it is taken. */
  readonly hostNameFirst?: string;
}

/** Both ends, as the kernel reports them after creation. */
export interface VethPair {
  readonly host: VethLink;
  readonly container: VethLink;
}

/**
 * The container already has an interface with the requested name (the spec says ADD must fail then).
 * The message is the reference's.
 */
export class InterfaceExistsError extends Error {
  readonly ifName: string;
  constructor(ifName: string, hostName: string, cause?: unknown) {
    super(`container veth name (${JSON.stringify(ifName)}) peer provided (${JSON.stringify(hostName)}) already exists`, { cause });
    this.name = 'InterfaceExistsError';
    this.ifName = ifName;
  }
}

/** `veth` + 8 hex digits of 4 random bytes (`RandomVethName` in the reference). */
export function randomVethName(): string {
  // /dev/urandom rather than node:crypto, whose loading would cost every plugin start ~10 ms.
  const bytes = Buffer.alloc(4);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    fs.readSync(fd, bytes, 0, 4, null);
  } finally {
    fs.closeSync(fd);
  }
  return `veth${bytes.toString('hex')}`;
}

/**
 * Creates the pair from `host` (a handle in the host netns). EEXIST names no culprit, so it is
 * looked into: the container name taken is InterfaceExistsError; otherwise another link holds the
 * host name and a random one is drawn (up to 10 attempts in all).
 * @throws {InterfaceExistsError} CNI_IFNAME exists in the container netns
 * @throws {NetlinkError} any other refusal (an MTU out of range, a multicast MAC, ...)
 */
export async function setupVeth(host: NetlinkHandle, opts: VethOptions): Promise<VethPair> {
  const nextName = opts.hostName ?? randomVethName;
  const mtu = opts.mtu ? opts.mtu : undefined;
  let lastErr: unknown;
  for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
    const hostName = attempt === 0 && opts.hostNameFirst !== undefined ? opts.hostNameFirst : nextName();
    try {
      await linkAdd(host, {
        kind: 'veth',
        name: hostName,
        mtu,
        masterIndex: opts.hostMasterIndex,
        up: opts.hostUp,
        peer: { name: opts.ifName, netnsFd: opts.containerNs.fd, mtu, hardwareAddr: opts.containerMac },
      });
    } catch (err) {
      if (!(err instanceof NetlinkError) || err.code !== 'EEXIST') throw err;
      if (await exists(opts.container, opts.ifName)) throw new InterfaceExistsError(opts.ifName, hostName, err);
      lastErr = err;
      continue;
    }
    try {
      const [hostLink, containerLink] = [await linkByName(host, hostName), await linkByName(opts.container, opts.ifName)];
      return { host: hostLink as VethLink, container: containerLink as VethLink };
    } catch (err) {
      // The caller has nothing to undo yet: the pair is ours to delete (deleting one end takes both).
      // Seen with a name template (`eth%d`): the kernel names the container end itself.
      await linkDel(host, hostName).catch(() => undefined);
      throw err;
    }
  }
  throw new Error(`failed to find a unique veth name after ${NAME_ATTEMPTS} attempts`, { cause: lastErr });
}

async function exists(h: NetlinkHandle, name: string): Promise<boolean> {
  try {
    await linkByName(h, name);
    return true;
  } catch (err) {
    if (isLinkNotFound(err)) return false;
    throw err;
  }
}
