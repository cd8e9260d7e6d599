/**
 * Applies a CNI result's addresses and routes to one interface of a netns: the reference's
 * `ipam.ConfigureIface`, through a netlink handle opened in that netns.
 */
import {
  IFA_F_DADFAILED, IFA_F_NODAD, IFA_F_TENTATIVE, NetlinkError, addrAdd, addrList, linkByIndex, linkByName, linkSetUp,
  routeAdd, AF_INET6, RTM_DELADDR, RTM_NEWADDR, type NetlinkHandle,
} from '../netlink';
import type { Netns } from '../netns';
import type { ParsedResult } from '../cni';
import { formatCidr, formatIP, type Cidr, type Family, type IP } from '../ip';
import { NetlinkWatch, RTMGRP_IPV6_IFADDR, eventIndex } from './netlink-watch';
import { writeSysctls, type SysctlWrite } from './sysctl';
import { IPV6_MIN_MTU, Ipv6MtuError, checkRouteGateways, maskedDst } from './route-check';

/** The reference's `dadSettleTimeout`. */
export const DAD_SETTLE_TIMEOUT_MS = 5000;

/** How configureIface reaches the interface and treats IPv6 duplicate address detection. */
export interface ConfigureIfaceOptions {
  /** The netns `h` is bound to: the IPv6 sysctls are written there. */
  readonly ns: Netns;
  /** The interface's index, when the caller has it (saves a lookup). */
  readonly index?: number;
  /**
   * Run DAD on the IPv6 addresses and wait until none is tentative. Off (the default), addresses are
   * added with IFA_F_NODAD: usable at once, where DAD would hold an ADD for a second or more.
   */
  readonly enableDad?: boolean;
  readonly dadTimeoutMs?: number;
}

/**
 * The kernel refused an address or route of the IPAM result (a gateway that is not on-link, an
 * address the interface cannot take): the plugin reports it with a code of its own, not as 999.
 */
export class IfaceConfigError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'IfaceConfigError';
  }
}

/**
 * Configures `ifName` (in `h`'s netns) from `result`: every `ips[]` entry whose `interface` names it
 * (entries without `interface` are skipped, as in the reference; another index is an error); for the
 * first IPv6 address, IPv6 enabled on lo and the interface and keep_addr_on_down=1; the link brought
 * up; then every `routes[]` entry via its own `gw` or else the first gateway of its family in `ips`,
 * with its priority, table and scope (mtu and advmss are not applied, as in the reference). A route
 * already present (EEXIST) is accepted.
 * @throws {IfaceConfigError} naming the address or route the kernel refused, with its error as cause
 */
export async function configureIface(h: NetlinkHandle, ifName: string, result: ParsedResult, opts: ConfigureIfaceOptions): Promise<void> {
  if (!result.interfaces?.length) throw new Error('no interfaces to configure');
  const link = opts.index !== undefined ? await linkByIndex(h, opts.index) : await linkByName(h, ifName);
  const gateways = new Map<Family, IP>();
  const addrs: Cidr[] = [];
  for (const ipc of result.ips ?? []) {
    if (ipc.interface === undefined) continue;
    if (result.interfaces[ipc.interface]?.name !== ifName) {
      throw new Error(`failed to add IP addr ${formatCidr(ipc.address)} to ${JSON.stringify(ifName)}: invalid interface index ${ipc.interface}`);
    }
    addrs.push(ipc.address);
    const gw = ipc.gateway;
    if (gw && !gateways.has(gw.family)) gateways.set(gw.family, gw);
  }
  checkRouteGateways(result, addrs, ifName);
  const v6 = addrs.find((a) => a.ip.family === 6);
  if (v6 && link.mtu < IPV6_MIN_MTU) throw new Ipv6MtuError(ifName, link.mtu, formatCidr(v6));
  if (v6) writeSysctls(opts.ns, ipv6Sysctls(ifName));

  for (const a of addrs) {
    const cidr = formatCidr(a);
    const flags = a.ip.family === 6 && !opts.enableDad ? IFA_F_NODAD : 0;
    try {
      await addrAdd(h, link.index, { cidr, flags });
    } catch (err) {
      throw new IfaceConfigError(`failed to add IP addr ${cidr} to ${JSON.stringify(ifName)}: ${(err as Error).message}`, err);
    }
  }
  await linkSetUp(h, link.index);
  if (opts.enableDad && v6) await settleAddresses(h, opts.ns, link.index, ifName, opts.dadTimeoutMs);

  for (const r of result.routes ?? []) {
    const gwIp = r.gw ?? gateways.get(r.dst.ip.family);
    const gw = gwIp === undefined ? undefined : formatIP(gwIp);
    try {
      // Host bits cleared: the kernel refuses 10.1.2.3/16 (EINVAL); a delegate's result may carry them.
      await routeAdd(h, { dst: maskedDst(r.dst), gw, index: link.index, priority: r.priority, table: r.table, scope: r.scope });
    } catch (err) {
      if (err instanceof NetlinkError && err.code === 'EEXIST') continue;
      const via = gw === undefined ? '' : ` via ${gw}`;
      throw new IfaceConfigError(`failed to add route '${formatCidr(r.dst)}${via} dev ${ifName}': ${(err as Error).message}`, err);
    }
  }
}

/** disable_ipv6=0 on lo and the interface (only where it is not already), keep_addr_on_down=1. */
function ipv6Sysctls(ifName: string): SysctlWrite[] {
  return [
    // Optional: without an IPv6 stack the address add below fails with a clearer error.
    { key: 'net/ipv6/conf/lo/disable_ipv6', value: '0', ifDifferent: true, optional: true },
    { key: `net/ipv6/conf/${ifName}/disable_ipv6`, value: '0', ifDifferent: true, optional: true },
    // Addresses must survive the link going down and up again.
    { key: `net/ipv6/conf/${ifName}/keep_addr_on_down`, value: '1' },
  ];
}

/**
 * Waits until no IPv6 address of the link is tentative (the reference's `SettleAddresses`), woken by
 * address events rather than by polling.
 * @throws {Error} an address failed DAD (a duplicate exists on the link), or the wait timed out
 */
export async function settleAddresses(h: NetlinkHandle, ns: Netns, index: number, ifName: string, timeoutMs = DAD_SETTLE_TIMEOUT_MS): Promise<void> {
  const watch = NetlinkWatch.open(RTMGRP_IPV6_IFADDR, ns);
  try {
    const settled = await watch.until(async () => {
      const v6 = await addrList(h, { index, family: AF_INET6 });
      const failed = v6.find((a) => (a.flags & IFA_F_DADFAILED) !== 0);
      if (failed) throw new Error(`failed to settle addresses for ${JSON.stringify(ifName)}: ${failed.cidr} failed duplicate address detection`);
      return v6.every((a) => (a.flags & IFA_F_TENTATIVE) === 0);
    }, { timeoutMs, relevant: (m) => (m.type === RTM_NEWADDR || m.type === RTM_DELADDR) && eventIndex(m) === index });
    if (!settled) throw new Error(`failed to settle addresses for ${JSON.stringify(ifName)}: still tentative after ${timeoutMs} ms`);
  } finally {
    watch.close();
  }
}
