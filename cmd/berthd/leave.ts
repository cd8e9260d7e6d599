import type { Logger } from '../../lib/log';
import type { NetlinkHandle } from '../../lib/netlink';
import {
  LeaseFileError, deleteVxlan, leaseFilePath, readLeaseFile, removeLeaseFile, vxlanDeviceName, type NodeLeaseFile,
  type SubnetStore,
} from '../../lib/overlay';

/**
 * Leaves a network with no daemon running: deletes this node's lease (found by PublicIP), the VXLAN
 * device and the lease file. Each step is done even when an earlier one found nothing.
 * @returns what was removed
 */
export async function leaveOffline(
  deps: { store: SubnetStore; h: NetlinkHandle; publicIP: string; runDir: string; log: Logger },
  network: string,
): Promise<{ lease?: string; device?: string }> {
  const { store, h, publicIP, runDir } = deps;
  const out: { lease?: string; device?: string } = {};
  const file = leaseFileHint(runDir, network);
  const { leases } = await store.listLeases(network);
  for (const l of leases.filter((x) => x.attrs.PublicIP === publicIP)) {
    await store.deleteLease(network, l.subnet);
    out.lease = l.subnet;
  }
  const vni = (await store.getConfig(network))?.Backend.VNI ?? file?.vni;
  if (vni !== undefined && (await deleteVxlan(h, vxlanDeviceName(vni)))) out.device = vxlanDeviceName(vni);
  await removeLeaseFile(runDir, network);
  deps.log.info({ network, ...out }, 'left the network (no daemon running)');
  return out;
}

/** The lease file, for the VNI when the store has no config any more; a bad one is no hint. */
function leaseFileHint(runDir: string, network: string): NodeLeaseFile | undefined {
  try {
    return readLeaseFile(leaseFilePath(runDir, network), network);
  } catch (err) {
    if (err instanceof LeaseFileError) return undefined;
    throw err;
  }
}
