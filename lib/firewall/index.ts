/**
 * Firewall state of container attachments: masquerade (iptables or nftables) and MAC spoof checks,
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
export { FirewallError, type FirewallOptions, type NetnsRef } from './run';
