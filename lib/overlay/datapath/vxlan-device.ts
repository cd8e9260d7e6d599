import {
  addrAdd, addrDel, addrList, isLinkNotFound, linkAdd, linkByName, linkDel, linkSetHardwareAddr, linkSetMtu, linkSetUp,
  AF_INET, AF_INET6, IFA_F_NODAD, NetlinkError, type Link, type NetlinkHandle, type VxlanLink,
} from '../../netlink';
import { formatIP, networkOf, parseCidr } from '../../ip';

/** The VXLAN device of one overlay network on this node (flannel's `flannel.<vni>`). */
export interface VxlanDeviceSpec {
  /** `berth.<vni>`: at most 15 bytes. */
  readonly name: string;
  readonly vni: number;
  /** UDP destination port (IFLA_VXLAN_PORT). */
  readonly port: number;
  /** The node's underlay address (IFLA_VXLAN_LOCAL): the source of encapsulated packets. */
  readonly local: string;
  /** The underlay link (IFLA_VXLAN_LINK). */
  readonly underlayIndex: number;
  /** Underlay MTU - 50 (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8). */
  readonly mtu: number;
  /** The persisted VTEP MAC. */
  readonly mac: string;
}

/** The device's name for a VNI. */
export function vxlanDeviceName(vni: number): string {
  return `berth.${vni}`;
}

/**
 * Why an existing link cannot serve as `spec` (flannel's `vxlanLinksIncompat`), or undefined when it can.
 * MTU and MAC are not part of it: they are changed in place without recreating the device.
 */
export function vxlanIncompatibility(link: Link, spec: VxlanDeviceSpec): string | undefined {
  if (link.kind !== 'vxlan') return `is a ${link.kind === 'generic' ? link.infoKind : link.kind}, not a vxlan`;
  const v = link.vxlan;
  if (v.vni !== spec.vni) return `VNI ${v.vni}, want ${spec.vni}`;
  if (v.local !== spec.local) return `local ${v.local ?? 'none'}, want ${spec.local}`;
  if (v.underlayIndex !== undefined && v.underlayIndex !== spec.underlayIndex) return `underlay #${v.underlayIndex}, want #${spec.underlayIndex}`;
  if ((v.port ?? 8472) !== spec.port) return `port ${v.port ?? 8472}, want ${spec.port}`;
  if (v.learning) return 'learning is on';
  if (v.group !== undefined || v.remote !== undefined) return `has a default remote ${v.group ?? v.remote}`;
  return undefined;
}

/**
 * Create-or-verify the VXLAN device: an existing compatible device is adopted (its MTU and MAC set to
 * the spec's if they differ), an incompatible one is deleted and recreated; EEXIST on create (a
 * concurrent creator) is answered by reading the device again and verifying it. The device is set up.
 * iproute2: `ip link add NAME address MAC mtu MTU type vxlan id VNI local IP dev UNDERLAY dstport PORT nolearning`.
 * @throws {Error} naming the device, when it cannot be made compatible (e.g. another device holds the VNI)
 */
export async function ensureVxlan(h: NetlinkHandle, spec: VxlanDeviceSpec): Promise<VxlanLink> {
  let link = await linkIfAny(h, spec.name);
  if (link && vxlanIncompatibility(link, spec) !== undefined) {
    await linkDel(h, link.index).catch((err: unknown) => { if (!isLinkNotFound(err)) throw err; });
    link = undefined;
  }
  if (!link) {
    try {
      await linkAdd(h, {
        kind: 'vxlan', name: spec.name, mtu: spec.mtu, hardwareAddr: spec.mac,
        vxlan: { vni: spec.vni, local: spec.local, underlayIndex: spec.underlayIndex, port: spec.port, learning: false },
      });
    } catch (err) {
      if (!(err instanceof NetlinkError && err.code === 'EEXIST')) throw new Error(`vxlan ${spec.name}: ${(err as Error).message}`, { cause: err });
      // EEXIST with no device of our name: the kernel refuses a second device with this VNI/port/local.
      if (!(await linkIfAny(h, spec.name))) throw new Error(`vxlan ${spec.name}: another device already uses VNI ${spec.vni} on port ${spec.port}`, { cause: err });
    }
    link = await linkByName(h, spec.name);
    const why = vxlanIncompatibility(link, spec);
    if (why) throw new Error(`vxlan ${spec.name}: existing device ${why}`);
  }
  if (link.mtu !== spec.mtu) await linkSetMtu(h, link.index, spec.mtu);
  if (link.hardwareAddr?.toLowerCase() !== spec.mac.toLowerCase()) await linkSetHardwareAddr(h, link.index, spec.mac);
  if (!link.up) await linkSetUp(h, link.index);
  return (await linkByName(h, spec.name)) as VxlanLink;
}

/** RT_SCOPE_LINK: the kernel's own fe80:: address, which is never a lease's. */
const RT_SCOPE_LINK = 253;

/**
 * Gives the device a host address of the subnet's network address (10.244.3.0/32, or
 * fd00:10:244:3::/128 for an IPv6 subnet: the source of packets this node sends into the overlay, and
 * no subnet route), removing any other address of that family (a previous lease's; on IPv6 the
 * kernel's link-local address stays). The IPv6 one skips duplicate address detection (IFA_F_NODAD):
 * with `nolearning` and no flood entry its probes reach nobody, and the address would only sit
 * tentative for a second, unusable as a source.
 * iproute2: `ip addr add 10.244.3.0/32 dev berth.1`, `ip addr add fd00:10:244:3::/128 dev berth.1 nodad`.
 */
export async function ensureVtepAddress(h: NetlinkHandle, index: number, subnet: string): Promise<void> {
  const v6 = parseCidr(subnet)?.ip.family === 6;
  const want = `${vtepAddress(subnet)}/${v6 ? 128 : 32}`;
  let present = false;
  for (const a of await addrList(h, { index, family: v6 ? AF_INET6 : AF_INET })) {
    if (v6 && a.scope === RT_SCOPE_LINK) continue;
    if (a.cidr === want) present = true;
    else await addrDel(h, index, a.cidr).catch(ignore('EADDRNOTAVAIL'));
  }
  if (!present) await addrAdd(h, index, v6 ? { cidr: want, flags: IFA_F_NODAD } : { cidr: want }).catch(ignore('EEXIST'));
}

/**
 * Removes every IPv6 address but the link-local one (the network is no longer dual-stack, or the
 * node lost its IPv6 lease). iproute2: `ip -6 addr flush dev berth.1 scope global`.
 */
export async function dropVtepAddresses6(h: NetlinkHandle, index: number): Promise<void> {
  for (const a of await addrList(h, { index, family: AF_INET6 })) {
    if (a.scope !== RT_SCOPE_LINK) await addrDel(h, index, a.cidr).catch(ignore('EADDRNOTAVAIL'));
  }
}

/**
 * The network address of a subnet ("10.244.3.0/24" → "10.244.3.0", "fd00:10:244:3::/64" →
 * "fd00:10:244:3::"): the VTEP address of its node.
 */
export function vtepAddress(subnet: string): string {
  const c = parseCidr(subnet);
  if (!c) throw new TypeError(`invalid subnet ${JSON.stringify(subnet)}`);
  return formatIP({ family: c.ip.family, value: networkOf(c) });
}

/** Deletes the device; missing is fine. iproute2: `ip link del NAME`. */
export async function deleteVxlan(h: NetlinkHandle, name: string): Promise<boolean> {
  try {
    await linkDel(h, name);
    return true;
  } catch (err) {
    if (isLinkNotFound(err)) return false;
    throw err;
  }
}

async function linkIfAny(h: NetlinkHandle, name: string): Promise<Link | undefined> {
  try {
    return await linkByName(h, name);
  } catch (err) {
    if (isLinkNotFound(err)) return undefined;
    throw err;
  }
}

function ignore(code: string): (err: unknown) => void {
  return (err) => {
    if (!(err instanceof NetlinkError && err.code === code)) throw err;
  };
}
