export { openConntrack, conntrackList, conntrackDelete, conntrackDeleteByDstPorts, NETLINK_NETFILTER, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, type ConntrackFlow } from './conntrack-ops';
