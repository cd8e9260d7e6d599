/**
 * Links as the kernel reports them, and the specs that create them. Both are discriminated unions keyed
 * by the kernel's IFLA_INFO_KIND ("bridge", "veth", ...); `device` is a link with no kind (lo, eth0) and
 * `generic` any kind this module does not model (the kernel's kind string is kept in `infoKind`).
 */

/** IF_OPER_* (RFC 2863 operational state), as iproute2 prints it lower-cased. */
export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';

/** What every link reports (ifinfomsg + common IFLA_* attributes). */
export interface LinkAttrs {
  index: number;
  name: string;
  mtu: number;
  /** IFLA_ADDRESS, `aa:bb:cc:dd:ee:ff`; absent for links without one. */
  hardwareAddr?: string;
  /** ifi_flags: IFF_UP, IFF_PROMISC, IFF_LOWER_UP, ... */
  flags: number;
  /** IFF_UP is set (administratively up). */
  up: boolean;
  operState: OperState;
  /** IFLA_MASTER: the bridge (or other master) this link is enslaved to. */
  masterIndex?: number;
  /** IFLA_LINK_NETNSID: the netns id (in this netns) where `parentIndex` lives, e.g. a veth peer moved away. */
  netnsId?: number;
  txQueueLen?: number;
  /** IFLA_IFALIAS. */
  alias?: string;
  /** IFLA_LINK: the veth peer, the macvlan lower device. Absent when it is the link itself. */
  parentIndex?: number;
  /** IFLA_PROMISCUITY: the promiscuity count (> 0 means the device receives everything). */
  promiscuity?: number;
  /** IFLA_INFO_SLAVE_KIND: the kind of the master when enslaved ("bridge"). */
  slaveKind?: string;
  /** The bridge port settings when `slaveKind` is "bridge" (IFLA_INFO_SLAVE_DATA). */
  bridgePort?: BridgePortInfo;
}

/** Bridge port settings (IFLA_BRPORT_*), read from IFLA_INFO_SLAVE_DATA or IFLA_PROTINFO. */
export interface BridgePortInfo {
  /** STP port state: 0 disabled, 1 listening, 2 learning, 3 forwarding, 4 blocking. */
  state?: number;
  priority?: number;
  cost?: number;
  /** IFLA_BRPORT_MODE = BRIDGE_MODE_HAIRPIN: frames may go back out of the port they came in on. */
  hairpin?: boolean;
  guard?: boolean;
  /** IFLA_BRPORT_PROTECT (iproute2: root_block). */
  rootBlock?: boolean;
  fastLeave?: boolean;
  learning?: boolean;
  unicastFlood?: boolean;
  proxyArp?: boolean;
  mcastFlood?: boolean;
  bcastFlood?: boolean;
  neighSuppress?: boolean;
  /** Isolated ports talk only to non-isolated ports. */
  isolated?: boolean;
}

/** Bridge settings (IFLA_BR_*). Times are in hundredths of a second (USER_HZ), as iproute2 prints them. */
export interface BridgeAttrs {
  stp?: boolean;
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  priority?: number;
  /** IFLA_BR_VLAN_FILTERING: refused with EOPNOTSUPP by a kernel built without CONFIG_BRIDGE_VLAN_FILTERING. */
  vlanFiltering?: boolean;
  vlanDefaultPvid?: number;
  mcastSnooping?: boolean;
  mcastQuerier?: boolean;
  nfCallIptables?: boolean;
  groupFwdMask?: number;
}

/** VXLAN settings (IFLA_VXLAN_*). */
export interface VxlanAttrs {
  /** IFLA_VXLAN_ID, 0..2^24-1. */
  vni: number;
  /** IFLA_VXLAN_LOCAL or IFLA_VXLAN_LOCAL6, by family. */
  local?: string;
  /** A multicast group (IFLA_VXLAN_GROUP/GROUP6). */
  group?: string;
  /** A unicast remote: the same attribute as `group`; the kernel tells them apart by the address. */
  remote?: string;
  /** IFLA_VXLAN_LINK: the underlay device. */
  underlayIndex?: number;
  /** IFLA_VXLAN_PORT, the UDP destination port (big-endian on the wire). 0 means the kernel default, 8472. */
  port?: number;
  /** IFLA_VXLAN_PORT_RANGE, source ports (big-endian on the wire). */
  srcPortRange?: { low: number; high: number };
  learning?: boolean;
  /** 0 means inherit from the inner packet ("ttl auto"). */
  ttl?: number;
  tos?: number;
  /** FDB ageing in seconds. */
  ageing?: number;
  proxy?: boolean;
  l2miss?: boolean;
  l3miss?: boolean;
  udpCsum?: boolean;
  /** IFLA_VXLAN_GBP (a flag attribute): Group Based Policy extension. */
  gbp?: boolean;
}

export type MacvlanMode = 'private' | 'vepa' | 'bridge' | 'passthru' | 'source';

/** Macvlan settings (IFLA_MACVLAN_*). */
export interface MacvlanAttrs {
  mode?: MacvlanMode;
  /** MACVLAN_FLAG_NOPROMISC (passthru mode): do not put the lower device in promiscuous mode. */
  nopromisc?: boolean;
  /** Source mode: the MACs whose frames this macvlan receives (IFLA_MACVLAN_MACADDR_DATA). */
  macaddrs?: string[];
  /** IFLA_MACVLAN_MACADDR_COUNT, reported by the kernel in source mode. */
  macaddrCount?: number;
  bcQueueLen?: number;
}

export interface BridgeLink extends LinkAttrs { kind: 'bridge'; bridge: BridgeAttrs }
/** A veth end: its peer is `parentIndex`, in the netns `netnsId` when the peer was put elsewhere. */
export interface VethLink extends LinkAttrs { kind: 'veth' }
export interface VxlanLink extends LinkAttrs { kind: 'vxlan'; vxlan: VxlanAttrs }
export interface MacvlanLink extends LinkAttrs { kind: 'macvlan'; macvlan: MacvlanAttrs }
/** A link with no IFLA_INFO_KIND: loopback, a physical NIC. */
export interface DeviceLink extends LinkAttrs { kind: 'device' }
/** Any other kind (dummy, vlan, tun, ...): the kernel's kind string and its undecoded IFLA_INFO_DATA. */
export interface GenericLink extends LinkAttrs { kind: 'generic'; infoKind: string; infoData?: Buffer }

/** A link as the kernel reports it (RTM_NEWLINK reply). */
export type Link = BridgeLink | VethLink | VxlanLink | MacvlanLink | DeviceLink | GenericLink;
export type LinkKind = Link['kind'];

/** Settings a create request may carry for any kind. */
export interface LinkSpecBase {
  /** At most 15 bytes (IFNAMSIZ - 1). */
  name: string;
  mtu?: number;
  hardwareAddr?: string;
  txQueueLen?: number;
  /** Enslave at creation (IFLA_MASTER). */
  masterIndex?: number;
  /** Bring up at creation (IFF_UP in ifi_flags/ifi_change). */
  up?: boolean;
  /** Create the link straight into this netns (IFLA_NET_NS_FD); the fd may be closed afterwards. */
  netnsFd?: number;
}

export interface BridgeSpec extends LinkSpecBase { kind: 'bridge'; bridge?: BridgeAttrs }

/** The other end of a veth pair (VETH_INFO_PEER). */
export interface VethPeerSpec {
  name: string;
  /** Create the peer straight into this netns (IFLA_NET_NS_FD inside VETH_INFO_PEER). */
  netnsFd?: number;
  mtu?: number;
  hardwareAddr?: string;
  txQueueLen?: number;
}
export interface VethSpec extends LinkSpecBase { kind: 'veth'; peer: VethPeerSpec }

export interface VxlanSpec extends LinkSpecBase { kind: 'vxlan'; vxlan: VxlanAttrs }

export interface MacvlanSpec extends LinkSpecBase {
  kind: 'macvlan';
  /** The lower device (IFLA_LINK). */
  parentIndex: number;
  macvlan?: Omit<MacvlanAttrs, 'macaddrCount'>;
}

/** What `linkAdd` creates. */
export type LinkSpec = BridgeSpec | VethSpec | VxlanSpec | MacvlanSpec;

/** A link named by index, by name, or by a Link (its index). */
export type LinkRef = number | string | { readonly index: number };
