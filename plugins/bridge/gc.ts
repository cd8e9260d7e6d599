/**
 * GC (spec 1.1): removes the per-attachment state of this network whose attachment is not in
 * `cni.dev/valid-attachments`: masquerade rules (both backends), MAC spoof checks on this bridge's
 * ports, tagged host veths left behind, and the IPAM's leases (GC forwarded to it). It continues past
 * failures and reports them all. Without a valid-attachments list nothing is known to be stale, so
 * only the IPAM GC runs (and decides the same way).
 */
import type { Attachment, GcArgs } from '../../lib/cni';
import { NetlinkHandle, isLinkNotFound, linkByName, linkDel, linkList } from '../../lib/netlink';
import { runIpamGc } from '../../lib/ipam/run-ipam';
import { BestEffort } from '../../lib/util';
import { loadBridgeCleanupConfig } from './config';
import { firewall } from './firewall';
import { listTaggedVeths } from './host-veth';

/** GC: the steps above, each attempted; the failures are reported together. */
export async function cmdGc(args: GcArgs): Promise<void> {
  const conf = loadBridgeCleanupConfig(args.config, 'GC');
  const valid = args.validAttachments;
  const steps = new BestEffort();
  if (valid !== undefined) {
    const fw = firewall();
    const keep = new Set(valid.map((a) => fw.spoofCheckRefId(a.containerID, a.ifname)));
    await steps.attempt(() => fw.gcIpMasq(conf.network, valid.map((a) => ({ containerId: a.containerID, ifname: a.ifname }))));
    const host = NetlinkHandle.open();
    try {
      await steps.attempt(() => gcSpoofChecks(host, conf.bridge, keep));
      await steps.attempt(() => gcVeths(host, conf.network, valid));
    } finally {
      host.close();
    }
  }
  if (conf.ipamType !== '') await steps.attempt(() => runIpamGc(conf.ipamType, args));
  steps.throwIfFailed((errors) => new AggregateError(errors, `GC: ${errors.length} steps failed`));
}

/**
 * Spoof checks are keyed by (containerID, ifname) only, not by network: one is this network's when
 * the port it guards is on this bridge, or when that port is gone (then it guards nothing at all).
 */
async function gcSpoofChecks(h: NetlinkHandle, bridgeName: string, keep: ReadonlySet<string>): Promise<void> {
  let entries;
  try {
    entries = firewall().listSpoofChecks();
  } catch (err) {
    if (err instanceof firewall().FirewallError && err.notFound) return; // no nft: no spoof checks
    throw err;
  }
  const bridge = await linkByName(h, bridgeName).catch((err: unknown) => {
    if (isLinkNotFound(err)) return undefined;
    throw err;
  });
  const ports = new Map((await linkList(h)).map((l) => [l.name, l.masterIndex]));
  const stale = entries.filter((e) => {
    if (keep.has(e.refId)) return false;
    if (e.hostIfname === undefined || !ports.has(e.hostIfname)) return true;
    return bridge !== undefined && ports.get(e.hostIfname) === bridge.index;
  });
  firewall().removeSpoofChecks(new Set(stale.map((e) => e.refId)));
}

/** Host veths tagged for this network whose attachment is gone (their netns outlived by a process). */
async function gcVeths(h: NetlinkHandle, network: string, valid: readonly Attachment[]): Promise<void> {
  const keep = new Set(valid.map((a) => `${a.containerID} ${a.ifname}`));
  for (const t of await listTaggedVeths(h, network)) {
    if (keep.has(`${t.containerID} ${t.ifName}`)) continue;
    await linkDel(h, t.link.index).catch((err: unknown) => {
      if (!isLinkNotFound(err)) throw err;
    });
  }
}
