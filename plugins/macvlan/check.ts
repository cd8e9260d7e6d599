/**
 * CHECK: the attachment is still as prevResult describes it. The reference's checks (the master
 * exists; the container interface exists, is a macvlan in the configured mode with prevResult's MAC;
 * the addresses and routes), plus what it leaves out: the link still hangs off that master, its MTU and
 * source-mode MAC list are as configured.
 */
import { CniCode, CniError, type CmdArgs } from '../../lib/cni';
import { isLinkNotFound, linkByName, type Link } from '../../lib/netlink';
import { addressMismatch, openSandbox, routeMismatch } from '../../lib/iface';
import { runIpamCheck } from '../../lib/ipam/run-ipam';
import { loadMacvlanConfig, type MacvlanConfig } from './config';
import { checkFailed, toMacvlanError } from './errors';
import { masterHandle } from './link';
import { findMaster } from './master';

/** CHECK: every check above; the first difference is code 114 (IPAM and netns errors keep their codes). */
export async function cmdCheck(args: CmdArgs): Promise<void> {
  const conf = loadMacvlanConfig(args.config, args.args);
  const sb = openSandbox(args);
  try {
    const master = await findMaster(masterHandle(sb, conf), conf);
    if (conf.ipamType !== '') await runIpamCheck(conf.ipamType, args);
    const prev = args.config.prevResult;
    if (!prev) throw new CniError(CniCode.InvalidNetworkConfig, 'required prevResult missing');
    const entry = (prev.interfaces ?? []).findIndex((i) => i.name === args.ifName && i.sandbox === args.netns);
    if (entry < 0) {
      const named = prev.interfaces?.find((i) => i.name === args.ifName);
      throw checkFailed(`sandbox in prevResult ${named?.sandbox ?? ''} doesn't match configured netns: ${args.netns}`);
    }
    let link: Link;
    try {
      link = await linkByName(sb.ctr, args.ifName);
    } catch (err) {
      if (isLinkNotFound(err)) throw checkFailed(`container Interface name in prevResult: ${args.ifName} not found`);
      throw err;
    }
    checkLink(link, conf, master, prev.interfaces![entry]!.mac);
    // Addresses without an interface index are taken as this one's: it is the only one we make.
    const ips = (prev.ips ?? []).filter((ip) => ip.interface === undefined || ip.interface === entry);
    const mismatch = (await addressMismatch(sb.ctr, link.index, args.ifName, ips)) ?? (await routeMismatch(sb.ctr, prev.routes ?? []));
    if (mismatch) throw checkFailed(mismatch);
  } catch (err) {
    throw toMacvlanError(err, 'CHECK');
  } finally {
    sb.ctr.close();
    sb.host.close();
    sb.ns.close();
  }
}

/** The link's kind, mode, MAC, master, MTU and source list against the config and prevResult. */
function checkLink(link: Link, conf: MacvlanConfig, master: Link, mac: string | undefined): void {
  if (link.kind !== 'macvlan') throw checkFailed(`error: Container interface ${link.name} not of type macvlan`);
  const mode = link.macvlan.mode ?? 'unknown';
  if (mode !== conf.mode) throw checkFailed(`container macvlan mode ${mode} does not match expected value: ${conf.mode}`);
  if (mac && mac.toLowerCase() !== link.hardwareAddr) {
    throw checkFailed(`interface ${link.name} Mac ${mac} doesn't match container Mac: ${link.hardwareAddr ?? ''}`);
  }
  // With the master in the host, the kernel reports its index as seen from there (IFLA_LINK +
  // IFLA_LINK_NETNSID), so the two indexes compare directly in both placements.
  if (link.parentIndex !== master.index) {
    throw checkFailed(`container interface ${link.name} is not on master ${JSON.stringify(master.name)} (its lower device is index ${link.parentIndex ?? 'none'}, the master is ${master.index})`);
  }
  if (conf.mtu !== 0 && link.mtu !== conf.mtu) throw checkFailed(`container interface ${link.name} MTU ${link.mtu} does not match the configured mtu ${conf.mtu}`);
  if (conf.mode === 'source') {
    const have = [...(link.macvlan.macaddrs ?? [])].sort().join(',');
    const want = [...conf.macaddrs].sort().join(',');
    if (have !== want) throw checkFailed(`container interface ${link.name} source MACs [${have}] do not match macaddrs [${want}]`);
  }
}
