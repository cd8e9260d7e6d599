/**
 * The overlay's datapath on one node (flannel's L3 VXLAN, research A1): the VXLAN device with a
 * persisted VTEP MAC, and the per-peer neighbour / FDB / onlink-route triplets kept equal to the leases
 * by a full reconcile.
 */
export {
  ensureVxlan, ensureVtepAddress, dropVtepAddresses6, deleteVxlan, vxlanDeviceName, vxlanIncompatibility, vtepAddress,
  type VxlanDeviceSpec,
} from './vxlan-device';
export { randomVtepMac, ensureVtepMac, loadVtepMac, saveVtepMac, vtepMacPath, isUnicastMac } from './vtep-mac';
export { desiredPeers, planPeers, type PeerEntry, type PeerDumps, type PeerOp, type PeerPlan, type SkippedLease } from './plan-peers';
export { reconcilePeers, readPeerState, toDumps, type PeerState, type ReconcileResult } from './reconcile';
export { DeviceGoneError } from './device-gone';
