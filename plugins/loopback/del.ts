/**
 * DEL: `lo` down, as the reference leaves it. Idempotent and never failing for what is already gone: an
 * empty CNI_NETNS, or one that cannot be entered (deleted, not a netns), means the loopback went with
 * its netns; the kubelet calls DEL again for sandboxes whose netns it already removed.
 */
import type { CmdArgs } from '../../lib/cni';
import { NetlinkHandle, isLinkNotFound, linkByName, linkSetDown } from '../../lib/netlink';
import { openNetnsIfEnterable } from '../../lib/netns';
import { LOOPBACK } from './loopback';

export async function cmdDel(args: CmdArgs): Promise<void> {
  const ns = openNetnsIfEnterable(args.netns);
  if (!ns) return;
  let h: NetlinkHandle | undefined;
  try {
    h = NetlinkHandle.open(ns);
    const lo = await linkByName(h, LOOPBACK).catch((err: unknown) => {
      if (isLinkNotFound(err)) return undefined;
      throw err;
    });
    if (lo?.up) await linkSetDown(h, lo.index);
  } finally {
    h?.close();
    ns.close();
  }
}
