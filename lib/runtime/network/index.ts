/**
 * berth's networks, Docker-shaped: the store behind `berth network ls/inspect/create/rm`, each
 * network's CNI configuration list, and Docker's inspect JSON.
 */
export { NetworkStore, NETWORK_NAME, DEFAULT_BRIDGE, DEFAULT_CNI_DIR } from './network-store';
export { networkConfList, bridgeNameOf, parseBoolOption, NETWORK_CNI_VERSION } from './network-conflist';
export { dockerNetworkInspect, endpointId, type DockerNetwork, type DockerEndpoint } from './docker-inspect';
export { rfc3339Nano } from './timestamp';
export {
  NetworkError,
  OPT_BRIDGE_NAME,
  OPT_MTU,
  OPT_IP_MASQUERADE,
  OPT_PARENT,
  OPT_MACVLAN_MODE,
  type NetworkInfo,
  type NetworkDriver,
  type NetworkStoreOptions,
  type CreateNetworkRequest,
} from './types';
