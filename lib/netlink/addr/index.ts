/** Interface addresses over rtnetlink: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR (codec and operations). */
export * from './constants';
export { encodeAddrMessage, decodeAddr, type Addr, type AddrSpec } from './addr-codec';
export { addrAdd, addrReplace, addrDel, addrList, type AddrFilter } from './addr-ops';
