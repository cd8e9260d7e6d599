/**
 * Firewall state of container attachments: masquerade and host ports (iptables or nftables) and MAC spoof checks,
 * compatible with the reference plugins' rules and applied in one batch per change.
 */
export {
  setupIpMasq, teardownIpMasq, listIpMasq, gcIpMasq, selectIpMasqBackend, iptablesUsable,
  type IpMasqBackend, type IpMasqAttachment, type IpMasqRequest, type IpMasqEntry,
} from './ipmasq';
export { nftUsable, NFT_MASQ_TABLE, NFT_MASQ_CHAIN } from './nftables';
export {
  setupSpoofCheck, teardownSpoofCheck, removeSpoofChecks, listSpoofChecks, spoofCheckChains,
  type SpoofCheck, type SpoofCheckEntry,
} from './spoofcheck';
export { formatChainName, formatComment, parseComment, nftComment, nftInstanceHash, spoofCheckRefId } from './names';
export { HOSTPORT_PROTOCOLS, type HostportProtocol, type HostportRequest, type PortMapping } from './hostport';
export {
  setupIptablesHostports, teardownIptablesHostports, checkIptablesHostports, listIptablesHostports, dnatChainName,
  HOSTPORT_DNAT_CHAIN, HOSTPORT_SETMARK_CHAIN, HOSTPORT_MASQ_CHAIN,
} from './hostport-iptables';
export { setupNftHostports, teardownNftHostports, checkNftHostports, NFT_HOSTPORT_TABLE } from './hostport-nftables';
export { FirewallError, type FirewallOptions, type NetnsRef } from './run';
export {
  isolationPlan, isolationRules, isolationComment, parseIsolationComment, rootHash, ISOLATION_STAGE_1, ISOLATION_STAGE_2,
  type IsolatedNetwork, type IsolationRule,
} from './isolation';
export { syncIsolation, type IsolationSync } from './isolation-iptables';
