/**
 * With `vlan` and `isGateway` the gateway address cannot go on the bridge (the bridge itself is in no
 * VLAN): as in the reference it goes on `<bridge>.<vlan>`, a veth end in the host whose peer is a
 * port of the bridge in that VLAN. Only reachable on kernels with bridge VLAN filtering.
 */
import { isLinkNotFound, linkByName, linkSetUp, type BridgeLink, type Link, type NetlinkHandle } from '../../lib/netlink';
import { currentNetns } from '../../lib/netns';
import { setupVeth } from '../../lib/iface';
import { applyVlans } from './attach';
import type { BridgeConfig } from './config';

/** Returns `<bridge>.<vlan>`, creating it (and its bridge port in the VLAN) if missing. Shared, never removed. */
export async function ensureVlanGateway(h: NetlinkHandle, bridge: BridgeLink, conf: Pick<BridgeConfig, 'vlan' | 'preserveDefaultVlan'>): Promise<Link> {
  const name = `${bridge.name}.${conf.vlan}`;
  try {
    return await linkByName(h, name);
  } catch (err) {
    if (!isLinkNotFound(err)) throw err;
  }
  const hostNs = currentNetns();
  try {
    const pair = await setupVeth(h, { ifName: name, containerNs: hostNs, container: h, mtu: bridge.mtu, hostMasterIndex: bridge.index, hostUp: true })
      .catch((err: unknown) => {
        // A parallel ADD made it first.
        if (err instanceof Error && err.name === 'InterfaceExistsError') return undefined;
        throw err;
      });
    if (!pair) return await linkByName(h, name);
    await applyVlans(h, pair.host.index, { vlan: conf.vlan, vlans: [], preserveDefaultVlan: conf.preserveDefaultVlan });
    await linkSetUp(h, pair.container.index);
    return await linkByName(h, name);
  } finally {
    hostNs.close();
  }
}
