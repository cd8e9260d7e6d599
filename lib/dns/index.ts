/**
 * DNS for containers: the wire codec, the name table (answers as a function of the containers'
 * endpoints at query time), reverse names, and resolv.conf reading and writing. No sockets here:
 * berthd serves it (cmd/berthd/dns).
 */
export * from './wire';
export { addressRecord, ptrRecord, recordAddress, recordPtrTarget, reverseName, parseReverseName } from './records';
export { type DnsEndpoint, type Asker, type Lookup, CONTAINER_TTL, endpointNames, findAsker, lookup } from './name-table';
export { type ResolvConf, type DnsFlags, FALLBACK_NAMESERVERS, parseResolvConf, isLoopbackServer, upstreamServers, containerResolvConf } from './resolv-conf';
