/**
 * Interface set-up shared by the plugins that attach containers (bridge, macvlan, overlay): sysctls in
 * a netns, veth pairs, bridges and their gateway addresses, a result's addresses and routes, forwarding,
 * and event-driven waits for link and address state.
 */
export { writeSysctls, readSysctl, sysctlPath, SysctlError, type SysctlWrite } from './sysctl';
export { enableIpForward, IP_FORWARD_KEYS } from './ip-forward';
export { configureIface, IfaceConfigError, settleAddresses, DAD_SETTLE_TIMEOUT_MS, type ConfigureIfaceOptions } from './configure-iface';
export { setupVeth, randomVethName, InterfaceExistsError, type VethOptions, type VethPair } from './veth';
export { ensureBridge, NotABridgeError, type BridgeOptions } from './ensure-bridge';
export { ensureGateway, AddressConflictError, type GatewayOutcome } from './gateway';
export { waitPortReady, portReady, PortDownError, PORT_UP_TIMEOUT_MS } from './link-state';
export { NetlinkWatch, eventIndex, RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, type WatchOptions } from './netlink-watch';
export { attachmentAlias } from './link-alias';
export { attachmentVethName } from './veth-name';
export { openCniNetns, openSandbox, type Sandbox } from './sandbox';
export { addressMismatch, subnetRouteMismatch, routeMismatch, canonicalCidr } from './check-net';
export { checkRouteGateways, maskedDst, IPV6_MIN_MTU, Ipv6MtuError, UnreachableGatewayError } from './route-check';
