/**
 * CHECK: the bridge delegate's CHECK over the config ADD stored (bridge, veth, addresses, routes,
 * gateway, IPAM), then what is ours: the masquerade rules, and that the node still holds the subnet
 * the container was addressed from (a new lease after berthd lost the old one strands it).
 */
import { delegateCheck, type CmdArgs } from '../../lib/cni';
import { loadOverlayConfig } from './config';
import { delegateStdin, DELEGATE_TYPE, delegateOptions } from './delegate-conf';
import { checkFailed } from './errors';
import { firewall } from './firewall';
import { readLeaseFile } from './lease-file';
import { findScratch } from './scratch';

/** CHECK: the first difference is code 114 (the delegate's own codes pass through). */
export async function cmdCheck(args: CmdArgs): Promise<void> {
  const conf = loadOverlayConfig(args.config, 'CHECK');
  const { file: scratch, conf: stored } = findScratch(conf.dataDir, conf.network, args.containerID, args.ifName);
  if (!stored) throw checkFailed(`no attachment of network ${JSON.stringify(conf.network)} for ${args.containerID}/${args.ifName}: ${scratch} is missing`);
  await delegateCheck(DELEGATE_TYPE, delegateStdin(stored, conf.cniVersion, args.stdinData), args.env, args.path, delegateOptions(args.log));

  if (conf.ipMasq) {
    const found = firewall().listIpMasq(conf.network).some((e) => e.containerId === args.containerID && (e.ifname === undefined || e.ifname === args.ifName));
    if (!found) throw checkFailed(`masquerade rules of network ${JSON.stringify(conf.network)} for container ${args.containerID} not found`);
  }
  const lease = readLeaseFile(conf.leaseFile, conf.network);
  const subnet = storedSubnet(stored.ipam);
  if (subnet !== lease.subnet) {
    throw checkFailed(`the node's lease of network ${JSON.stringify(conf.network)} is now ${lease.subnet}, the container was attached in ${subnet ?? '(unknown)'}`);
  }
}

/** The leased subnet ADD put into the delegate's IPAM ranges. */
function storedSubnet(ipam: unknown): string | undefined {
  const ranges = (ipam as { ranges?: Array<Array<{ subnet?: unknown }>> } | undefined)?.ranges;
  const subnet = ranges?.[0]?.[0]?.subnet;
  return typeof subnet === 'string' ? subnet : undefined;
}
