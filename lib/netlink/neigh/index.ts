/** Neighbours and the forwarding database over rtnetlink: RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH. */
export * from './constants';
export { encodeNeighMessage, decodeNeigh, type Neigh, type NeighFamily, type NeighSpec } from './neigh-codec';
export { neighAdd, neighSet, neighAppend, neighDel, neighList, type NeighFilter } from './neigh-ops';
