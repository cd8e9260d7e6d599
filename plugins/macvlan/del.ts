/**
 * DEL: removes the container's macvlan and releases its lease, best effort and idempotent. It never
 * looks the master up (so a master that is gone, which takes its macvlans with it, is no obstacle) and
 * reads nothing of the config but `name` and `ipam`, so a config that no longer validates still gets its lease
 * back. A missing netns, link or lease is success.
 */
import { isCniError, type CmdArgs } from '../../lib/cni';
import { NetlinkHandle, isLinkNotFound, linkByName, linkList } from '../../lib/netlink';
import { attachmentAlias, attachmentVethName } from '../../lib/iface';
import { openNetnsIfEnterable } from '../../lib/netns';
import { runIpamDel } from '../../lib/ipam/run-ipam';
import { BestEffort } from '../../lib/util';
import { ipamTypeOf } from './config';
import { deleteIgnoringMissing } from './link';

/**
 * Order: the link's deletion is sent first. The kernel holds RTM_DELLINK in send() for an RCU grace
 * period (tens of ms), so lib/netlink sends it from a pool thread, and the lease is released here
 * meanwhile: the device is closed before that wait begins, so its address is out of use by the time
 * the lease can go to another container (the reference releases the lease first, with the address
 * still up). Both steps run even when the other fails; the failures are reported together, an IPAM
 * error first, as the reference reports it.
 */
export async function cmdDel(args: CmdArgs): Promise<void> {
  const ipamType = ipamTypeOf(args.config);
  const steps = new BestEffort();
  const linkGone = removeLink(args);
  linkGone.catch(() => undefined); // observed now, awaited below
  // Let it run up to the RTM_DELLINK on its pool thread: what follows is mostly synchronous work.
  await new Promise((resolve) => setImmediate(resolve));
  if (ipamType !== '') await steps.attempt(() => runIpamDel(ipamType, args));
  await steps.attempt(() => linkGone);
  steps.throwIfFailed((errors) => new AggregateError(errors, ((errors.find(isCniError) ?? errors[0]) as Error).message));
}

/**
 * Deletes CNI_IFNAME in CNI_NETNS when it is a macvlan (DEL never deletes a link this plugin cannot
 * have made: `lo`, another plugin's veth), or, when no link has that name, this attachment's macvlan
 * under whatever name it has: the temporary one (ADD killed before the rename) or one the container
 * gave it, found by the alias ADD wrote or by the temporary name derived from the attachment. An
 * empty CNI_NETNS, or one that cannot be entered (gone, not a netns), means there is nothing left to
 * delete: a macvlan dies with its netns (it cannot move back to the host).
 */
async function removeLink(args: CmdArgs): Promise<void> {
  const ns = openNetnsIfEnterable(args.netns);
  if (!ns) return;
  let ctr: NetlinkHandle | undefined;
  try {
    ctr = NetlinkHandle.open(ns);
    const link = await linkByName(ctr, args.ifName).catch((err: unknown) => {
      if (isLinkNotFound(err)) return undefined;
      throw err;
    });
    if (link) {
      if (link.kind === 'macvlan') await deleteIgnoringMissing(ctr, link.index);
      return;
    }
    // A container netns holds a handful of links: listing them is cheap.
    const network = typeof args.config.name === 'string' ? args.config.name : '';
    const alias = attachmentAlias(network, args.containerID, args.ifName);
    const tmp = attachmentVethName(network, args.containerID, args.ifName);
    for (const l of await linkList(ctr)) {
      if (l.kind === 'macvlan' && (l.alias === alias || (!l.alias && l.name === tmp))) await deleteIgnoringMissing(ctr, l.index);
    }
  } finally {
    ctr?.close();
    ns.close();
  }
}
