/** ADD's layer-2 part: the bridge, the veth pair and the bridge port settings. */
import {
  bridgePortSet, bridgeVlanAdd, bridgeVlanDel, bridgeVlanList, isLinkNotFound, linkDel, linkSetAlias,
  type BridgeLink, type NetlinkHandle, type VethLink,
} from '../../lib/netlink';
import type { UndoStack } from '../../lib/util';
import { attachmentAlias, attachmentVethName, ensureBridge, setupVeth, writeSysctls, type Sandbox } from '../../lib/iface';
import { failPoint } from './add-steps';
import type { BridgeConfig } from './config';

/** Who the attachment is. */
export interface Attachment {
  readonly containerID: string;
  readonly ifName: string;
}

/** What the layer-2 part made. */
export interface L2Links {
  readonly bridge: BridgeLink;
  readonly host: VethLink;
  readonly container: VethLink;
}

/**
 * Ensures the bridge, creates the veth pair (the host end enslaved and up as it is created, tagged
 * with the attachment in its alias so DEL and GC can find it without the netns), and applies hairpin,
 * isolation and the VLANs to the port. Pushes the veth's deletion on `undo`.
 */
export async function attachL2(sb: Sandbox, conf: BridgeConfig, att: Attachment, undo: UndoStack): Promise<L2Links> {
  const bridge = await ensureBridge(sb.host, { name: conf.bridge, mtu: conf.mtu, vlanFiltering: conf.vlanFiltering, promisc: conf.promiscMode });
  failPoint(sb.env, 'bridge');

  const pair = await setupVeth(sb.host, {
    ifName: att.ifName, containerNs: sb.ns, container: sb.ctr, mtu: conf.mtu, containerMac: conf.mac,
    hostMasterIndex: bridge.index, hostUp: true, hostNameFirst: attachmentVethName(conf.network, att.containerID, att.ifName),
  });
  // Deleting either end deletes both; the host end is reachable whatever happens to the netns.
  undo.push('veth', () => linkDel(sb.host, pair.host.index).catch((err: unknown) => {
    if (!isLinkNotFound(err)) throw err;
  }));
  await linkSetAlias(sb.host, pair.host.index, attachmentAlias(conf.network, att.containerID, att.ifName));
  failPoint(sb.env, 'veth');

  // The plugin owns the port's routes; a stray router advertisement must not add any.
  writeSysctls(undefined, [{ key: `net/ipv6/conf/${pair.host.name}/accept_ra`, value: '0', optional: true }]);
  if (conf.hairpinMode || conf.portIsolation) {
    await bridgePortSet(sb.host, pair.host.index, { hairpin: conf.hairpinMode, isolated: conf.portIsolation });
  }
  await applyVlans(sb.host, pair.host.index, conf);
  failPoint(sb.env, 'port');
  return { bridge, ...pair };
}

/**
 * The port's VLANs, as the reference sets them: existing entries (the default VID 1) removed unless
 * preserveDefaultVlan, `vlan` as PVID and untagged, each trunk VID tagged, and VID 1 as native VLAN of
 * a trunk without `vlan`. Throws BridgeVlanUnsupportedError where the kernel has no VLAN filtering.
 */
export async function applyVlans(h: NetlinkHandle, index: number, conf: Pick<BridgeConfig, 'vlan' | 'vlans' | 'preserveDefaultVlan'>): Promise<void> {
  if (conf.vlan === 0 && conf.vlans.length === 0) return;
  if (!conf.preserveDefaultVlan) {
    const port = (await bridgeVlanList(h)).find((p) => p.index === index);
    for (const v of port?.vlans ?? []) await bridgeVlanDel(h, index, { vid: v.vid, master: true });
  }
  if (conf.vlan !== 0) await bridgeVlanAdd(h, index, { vid: conf.vlan, pvid: true, untagged: true, master: true });
  for (const vid of conf.vlans) await bridgeVlanAdd(h, index, { vid, master: true });
  if (conf.vlan === 0 && conf.vlans.length > 0) await bridgeVlanAdd(h, index, { vid: 1, pvid: true, untagged: true, master: true });
}
