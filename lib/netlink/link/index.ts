/**
 * Links over rtnetlink: create, read, list, delete and change them, bridge port flags and bridge VLANs.
 * Each operation's TSDoc names its iproute2 equivalent.
 */
export type {
  Link, LinkKind, LinkAttrs, BridgeLink, VethLink, VxlanLink, MacvlanLink, DeviceLink, GenericLink, OperState,
  BridgeAttrs, BridgePortInfo, VxlanAttrs, MacvlanAttrs, MacvlanMode,
  LinkSpec, LinkSpecBase, BridgeSpec, VethSpec, VethPeerSpec, VxlanSpec, MacvlanSpec, LinkRef,
} from './types';
export { linkAdd, linkByName, linkByIndex, linkList, linkDel } from './link-ops';
export {
  linkSetUp, linkSetDown, linkSetMtu, linkSetHardwareAddr, linkSetName, linkSetMaster, linkSetNoMaster, linkSetNetns,
  linkSetPromisc, linkSetAlias, MAX_ALIAS_BYTES,
} from './link-set';
export { bridgePortSet, bridgePortGet, type BridgePortFlags } from './bridge-port';
export {
  bridgeVlanAdd, bridgeVlanDel, bridgeVlanList, BridgeVlanUnsupportedError,
  type BridgeVlanSpec, type BridgeVlanInfo, type BridgeVlanPort,
} from './bridge-vlan';
export { macvlanSetMacAddrs, type MacaddrMode } from './macvlan';
export { decodeLink, encodeLinkAdd } from './codec';
export { IFF_UP, IFF_LOOPBACK, IFF_PROMISC, IFF_LOWER_UP } from './constants';
