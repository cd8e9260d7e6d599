/**
 * CHECK: the attachment is still as prevResult describes it. The reference's checks (bridge, container
 * veth, host peer, addresses, routes), plus what it leaves out: the bridge's gateway addresses and the
 * masquerade and spoof-check rules (the spec asks CHECK to cover untracked state such as firewall
 * rules). The IPAM CHECK runs only in L3 mode, so CHECK works in L2 mode (the reference's fails).
 */
import { CniCode, CniError, parseResultAddresses, type CmdArgs, type Interface, type Result } from '../../lib/cni';
import { formatCidr } from '../../lib/ip';
import { NetlinkHandle, addrList, isLinkNotFound, linkByName, type Link } from '../../lib/netlink';
import { IFF_PROMISC } from '../../lib/netlink';
import { addressMismatch, canonicalCidr, openCniNetns, routeMismatch, subnetRouteMismatch } from '../../lib/iface';
import { runIpamCheck } from '../../lib/ipam/run-ipam';
import { loadBridgeConfig, type BridgeConfig } from './config';
import { checkFailed } from './errors';
import { firewall } from './firewall';
import { calcGateways } from './gateways';

/** CHECK: every check above; the first difference is code 114 (IPAM and netns errors keep their own codes). */
export async function cmdCheck(args: CmdArgs): Promise<void> {
  const conf = loadBridgeConfig(args.config, args.args, 'CHECK');
  const ns = openCniNetns(args.netns);
  const host = NetlinkHandle.open();
  const ctr = NetlinkHandle.open(ns);
  try {
    if (conf.ipamType !== '') await runIpamCheck(conf.ipamType, args);
    const prev = args.config.prevResult;
    if (!prev) throw new CniError(CniCode.InvalidNetworkConfig, 'Required prevResult missing');
    const brEntry = prev.interfaces?.find((i) => i.name === conf.bridge);
    const ctrEntry = prev.interfaces?.find((i) => i.name === args.ifName && i.sandbox === args.netns);

    const bridge = await checkBridge(host, conf, brEntry);
    if (!ctrEntry) {
      const named = prev.interfaces?.find((i) => i.name === args.ifName);
      throw checkFailed(`Sandbox in prevResult ${named?.sandbox ?? ''} doesn't match configured netns: ${args.netns}`);
    }
    const container = await lookup(ctr, args.ifName, `CNI created interface in container ${args.ifName} not found`);
    if (container.kind !== 'veth') throw checkFailed(`Error: Container interface ${args.ifName} not of type veth`);
    if (ctrEntry.mac && ctrEntry.mac !== container.hardwareAddr) {
      throw checkFailed(`Interface ${args.ifName} Mac ${ctrEntry.mac} doesn't match container Mac: ${container.hardwareAddr}`);
    }
    await checkHostVeth(host, prev.interfaces ?? [], brEntry, ctrEntry, bridge, container, conf);

    const mine = (prev.ips ?? []).filter((ip) => ip.interface === undefined || prev.interfaces?.[ip.interface] === ctrEntry);
    const mismatch =
      (await addressMismatch(ctr, container.index, args.ifName, mine)) ??
      (await subnetRouteMismatch(ctr, mine)) ??
      (await routeMismatch(ctr, prev.routes ?? []));
    if (mismatch) throw checkFailed(mismatch);
    if (conf.ipamType !== '') await checkHostState(host, conf, args, bridge, prev);
  } finally {
    ctr.close();
    host.close();
    ns.close();
  }
}

async function lookup(h: NetlinkHandle, name: string, missing: string): Promise<Link> {
  try {
    return await linkByName(h, name);
  } catch (err) {
    if (isLinkNotFound(err)) throw checkFailed(missing);
    throw err;
  }
}

async function checkBridge(h: NetlinkHandle, conf: BridgeConfig, entry: Interface | undefined): Promise<Link> {
  const missing = `CNI created bridge ${conf.bridge} in host namespace was not found`;
  if (!entry) throw checkFailed(missing);
  const br = await lookup(h, conf.bridge, missing);
  if (br.kind !== 'bridge') throw checkFailed(`Interface ${conf.bridge} does not have link type of bridge`);
  if (entry.mac && entry.mac !== br.hardwareAddr) throw checkFailed(`Bridge interface ${conf.bridge} Mac doesn't match: ${entry.mac}`);
  const promisc = (br.flags & IFF_PROMISC) !== 0;
  if (promisc !== conf.promiscMode) {
    throw checkFailed(`Bridge interface ${conf.bridge} configured Promisc Mode ${conf.promiscMode} doesn't match current state: ${promisc}`);
  }
  return br;
}

/** The host end: a prevResult interface that is a veth, peered with the container end, on the bridge. */
async function checkHostVeth(h: NetlinkHandle, ifaces: Interface[], brEntry: Interface | undefined, ctrEntry: Interface, bridge: Link, container: Link, conf: BridgeConfig): Promise<void> {
  for (const entry of ifaces) {
    if (entry === brEntry || entry === ctrEntry || entry.sandbox) continue;
    const link = await linkByName(h, entry.name).catch(() => undefined);
    if (link?.kind !== 'veth' || link.index !== container.parentIndex || link.parentIndex !== container.index || link.masterIndex !== bridge.index) continue;
    if (entry.mac && entry.mac !== link.hardwareAddr) throw checkFailed(`Interface ${entry.name} Mac doesn't match: ${entry.mac} not found`);
    if (conf.hairpinMode && link.bridgePort?.hairpin !== true) throw checkFailed(`Interface ${entry.name} should be in hairpin mode`);
    return;
  }
  throw checkFailed(`CNI veth created for bridge ${conf.bridge} was not found`);
}

/** Gateway addresses on the bridge, and the attachment's masquerade and spoof-check rules. */
async function checkHostState(h: NetlinkHandle, conf: BridgeConfig, args: CmdArgs, bridge: Link, prev: Result): Promise<void> {
  if (conf.isGateway && conf.vlan === 0) {
    const onBridge = new Set((await addrList(h, { index: bridge.index })).map((a) => canonicalCidr(a.cidr)));
    for (const gw of calcGateways(parseResultAddresses({ cniVersion: prev.cniVersion, ips: prev.ips ?? [] }), conf).gateways) {
      const cidr = formatCidr(gw.cidr);
      if (!onBridge.has(cidr)) throw checkFailed(`Bridge ${conf.bridge} does not have its gateway address ${cidr}`);
    }
  }
  if (conf.ipMasq) {
    const found = firewall().listIpMasq(conf.network).some((e) => e.containerId === args.containerID && (e.ifname === undefined || e.ifname === args.ifName));
    if (!found) throw checkFailed(`masquerade rules of network ${JSON.stringify(conf.network)} for container ${args.containerID} not found`);
  }
  if (conf.macspoofchk) {
    const refId = firewall().spoofCheckRefId(args.containerID, args.ifName);
    if (!firewall().listSpoofChecks().some((e) => e.refId === refId)) throw checkFailed(`MAC spoof check for ${refId} not found`);
  }
}

