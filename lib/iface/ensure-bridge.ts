/** Create-or-verify of a Linux bridge, safe against parallel ADDs that race to create it. */
import { IFF_PROMISC, NetlinkError, isLinkNotFound, linkAdd, linkByName, linkSetPromisc, linkSetUp, type BridgeLink, type NetlinkHandle } from '../netlink';
import type { Netns } from '../netns';
import { writeSysctls } from './sysctl';

/** What the bridge must be. Settings other than `promisc` apply only when this call creates it. */
export interface BridgeOptions {
  readonly name: string;
  /** MTU at creation; kernel default when undefined or 0. The reference never changes an existing bridge's MTU. */
  readonly mtu?: number;
  /** Turn on VLAN filtering at creation (the reference does so when `vlan` or `vlanTrunk` is set). */
  readonly vlanFiltering?: boolean;
  /** Put the bridge in promiscuous mode (every call, as the reference's `promiscMode`). */
  readonly promisc?: boolean;
}

/** A link with the bridge's name exists and is something else. The message is the reference's. */
export class NotABridgeError extends Error {
  readonly linkName: string;
  constructor(name: string, kind: string) {
    super(`${JSON.stringify(name)} already exists but is not a bridge (it is a ${kind})`);
    this.name = 'NotABridgeError';
    this.linkName = name;
  }
}

/**
 * Returns the bridge `opts.name` in `h`'s netns (`ns`; the calling thread's when undefined), creating
 * it up if missing. EEXIST from the create means another ADD won the race: the link is read again and
 * checked to be a bridge, so parallel ADDs never fail on it. IPv6 router advertisements are ignored on
 * it (accept_ra=0: the plugin owns its routes), and it is brought up if it is down.
 * @throws {NotABridgeError} the name belongs to another kind of link
 * @throws {BridgeVlanUnsupportedError} `vlanFiltering` on a kernel without bridge VLAN filtering
 */
export async function ensureBridge(h: NetlinkHandle, opts: BridgeOptions, ns?: Netns): Promise<BridgeLink> {
  let link = await linkByName(h, opts.name).catch((err: unknown) => {
    if (isLinkNotFound(err)) return undefined;
    throw err;
  });
  if (link === undefined) {
    try {
      await linkAdd(h, {
        kind: 'bridge',
        name: opts.name,
        mtu: opts.mtu ? opts.mtu : undefined,
        up: true,
        bridge: opts.vlanFiltering ? { vlanFiltering: true } : undefined,
      });
    } catch (err) {
      if (!(err instanceof NetlinkError) || err.code !== 'EEXIST') throw err;
    }
    link = await linkByName(h, opts.name);
  }
  if (link.kind !== 'bridge') throw new NotABridgeError(opts.name, link.kind === 'generic' ? link.infoKind : link.kind);
  writeSysctls(ns, [{ key: `net/ipv6/conf/${opts.name}/accept_ra`, value: '0', optional: true, ifDifferent: true }]);
  let changed = false;
  if (opts.promisc && (link.flags & IFF_PROMISC) === 0) {
    await linkSetPromisc(h, link.index, true);
    changed = true;
  }
  if (!link.up) {
    await linkSetUp(h, link.index);
    changed = true;
  }
  return changed ? ((await linkByName(h, opts.name)) as BridgeLink) : link;
}
