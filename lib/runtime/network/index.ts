/**
 * berth's networks, Docker-shaped: the store behind `berth network ls/inspect/create/rm`, each
 * network's CNI configuration list, and Docker's inspect JSON.
 */
export { NetworkStore, DEFAULT_BRIDGE } from './network-store';
export { postOverlayNetwork, type OverlayNetworkRequest, type BerthdClientOptions } from './berthd-client';
export { overlayRequest, storedCluster, overlayRecord } from './overlay-network';
export { networkConfList, bridgeNameOf, parseBoolOption, NETWORK_CNI_VERSION, type ConfListOptions } from './network-conflist';
export {
  parsePublish, parseExpose, parsePortKey, portKey, PortSpecError,
  type PortBinding, type ExposedPort, type PortProtocol,
} from './port-spec';
export { dockerNetworkInspect, endpointId, type DockerNetwork, type DockerEndpoint } from './docker-inspect';
export { rfc3339Nano } from './timestamp';
export {
  NetworkError,
  OPT_BRIDGE_NAME,
  OPT_MTU,
  OPT_IP_MASQUERADE,
  OPT_PARENT,
  OPT_MACVLAN_MODE,
  OPT_VNI,
  OPT_PORT,
  OPT_SUBNET_LEN,
  OPT_VXLANID_LIST,
  type NetworkInfo,
  type NetworkDriver,
  type NetworkScope,
  type OverlayNetworkInfo,
  type NetworkStoreOptions,
  type CreateNetworkRequest,
} from './types';
