/**
 * DEL: removes everything keyed by (network, containerID, ifname), best effort and idempotent. Unlike
 * the reference it needs neither CNI_NETNS nor prevResult: the host veth is found by its alias and the
 * firewall rules by their names, so a DEL with an empty or vanished netns leaks nothing.
 */
import { isCniError, resultCidrs, type CmdArgs } from '../../lib/cni';
import { NetlinkHandle, isLinkNotFound, linkByName, linkDel } from '../../lib/netlink';
import { openNetnsIfEnterable } from '../../lib/netns';
import { runIpamDel } from '../../lib/ipam/run-ipam';
import { BestEffort, phase } from '../../lib/util';
import { loadBridgeCleanupConfig } from './config';
import { firewall } from './firewall';
import { findHostVeths } from './host-veth';

/**
 * Order: the container interface is deleted first (which takes its host peer along). The kernel
 * holds that request for an RCU grace period (tens of ms), so it is sent from a pool thread while the
 * firewall rules and the lease are removed here; the device is already closed by then, so its address
 * cannot be in use when the lease is freed. Every step runs even when an earlier one failed; the
 * failures are reported together at the end.
 */
export async function cmdDel(args: CmdArgs): Promise<void> {
  const conf = phase('validation', () => loadBridgeCleanupConfig(args.config, 'DEL'));
  const steps = new BestEffort();
  const host = NetlinkHandle.open();
  try {
    const linkGone = phase('netlink', () => removeLinks(host, args, conf));
    linkGone.catch(() => undefined); // observed now, awaited below
    // Let it run up to the RTM_DELLINK now on its pool thread: what follows is synchronous work.
    await new Promise((resolve) => setImmediate(resolve));
    const keys = { network: conf.network, containerId: args.containerID, ifname: args.ifName };
    // prevResult's addresses, when given, tell which of the reference's masquerade rules (which name
    // no interface) are this attachment's; ours name it.
    const ips = resultCidrs(args.config.prevResult);
    if (conf.ipMasq && conf.ipamType !== '') await steps.attempt(() => phase('firewall', () => firewall().teardownIpMasq(keys, ips ? { ips } : {})));
    if (conf.macspoofchk) await steps.attempt(() => phase('firewall', () => firewall().teardownSpoofCheck(keys)));
    if (conf.ipamType !== '') await steps.attempt(() => phase('ipam', () => runIpamDel(conf.ipamType, args)));
    await steps.attempt(() => linkGone);
  } finally {
    host.close();
  }
  // The IPAM error, if any, is the reference's DEL error; the others travel in details.
  steps.throwIfFailed((errors) => new AggregateError(errors, ((errors.find(isCniError) ?? errors[0]) as Error).message));
}

/**
 * Deletes the container interface in CNI_NETNS when it is a veth (which takes its host peer along;
 * DEL never deletes a link this plugin cannot have made, such as `lo`), then the host veth of this
 * attachment wherever the container end went: renamed by the kernel (an `eth%d` template), renamed or
 * moved by the container, or out of reach (CNI_NETNS empty, gone while a process still holds the
 * netns, or a path that cannot be entered). The host veth is looked up by its own name first; every
 * link is scanned for its alias only when the container side had nothing to delete.
 */
async function removeLinks(host: NetlinkHandle, args: CmdArgs, conf: { network: string; bridge: string }): Promise<void> {
  let deleted = false;
  const ns = openNetnsIfEnterable(args.netns);
  if (ns) {
    const ctr = NetlinkHandle.open(ns);
    try {
      const link = await linkByName(ctr, args.ifName).catch((err: unknown) => {
        if (isLinkNotFound(err)) return undefined;
        throw err;
      });
      if (link?.kind === 'veth') deleted = await deleteIgnoringMissing(ctr, link.index);
    } finally {
      ctr.close();
      ns.close();
    }
  }
  const bridge = conf.bridge === '' ? undefined : await linkByName(host, conf.bridge).catch(() => undefined);
  const opts = { prev: args.config.prevResult, bridgeIndex: bridge?.index, scan: !deleted };
  for (const veth of await findHostVeths(host, conf.network, args.containerID, args.ifName, opts)) {
    await deleteIgnoringMissing(host, veth.index);
  }
}

/** Deletes a link; true when it was there to delete. */
async function deleteIgnoringMissing(h: NetlinkHandle, index: number): Promise<boolean> {
  try {
    await linkDel(h, index);
    return true;
  } catch (err) {
    if (!isLinkNotFound(err)) throw err;
    return false;
  }
}
