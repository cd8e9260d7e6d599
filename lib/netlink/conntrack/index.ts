export { openConntrack, conntrackList, conntrackDelete, conntrackDeleteByDstPort, NETLINK_NETFILTER, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, type ConntrackFlow } from './conntrack-ops';
