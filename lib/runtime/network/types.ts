/**
 * berth's networks as Docker shows them (`network ls`, `network inspect`): the three built-ins
 * (bridge, host, none) and user networks made with `berth network create`.
 */
import { RuntimeError } from '../errors';

/**
 * Docker's network drivers that berth has: bridge, macvlan and overlay run CNI plugins; host and null
 * do not. An overlay network spans hosts: its config lives in berthd's store, each host's containers
 * get addresses from the subnet berthd leased for that host.
 */
export type NetworkDriver = 'bridge' | 'macvlan' | 'overlay' | 'host' | 'null';

/**
 * Where a network is known. `global` for overlay networks, as Docker showed overlay networks backed
 * by a cluster store (before swarm's `swarm` scope): the config is shared by every host through
 * berthd's store, while the berth record itself is per host.
 */
export type NetworkScope = 'local' | 'global';

/** What berthd stored for an overlay network (its OverlayConfig), and where this host's berthd runs. */
export interface OverlayNetworkInfo {
  /** berthd's runtime directory (BERTH_RUN at creation): the plugin reads `<runDir>/overlay/<name>.json`. */
  readonly runDir: string;
  readonly vni: number;
  readonly port: number;
  /** Prefix length of each host's subnet. */
  readonly subnetLen: number;
  /** Prefix length of each host's IPv6 subnet (a dual-stack network). */
  readonly ipv6SubnetLen?: number;
}

/** One network, as stored under `<root>/networks/<name>.json`. */
export interface NetworkInfo {
  name: string;
  /** 64 hex digits, random at creation, never changed. */
  id: string;
  driver: NetworkDriver;
  scope: NetworkScope;
  /** RFC 3339 with nanoseconds, as Docker prints it. */
  created: string;
  /** `--internal`: no masquerade and no default route. */
  internal: boolean;
  subnet?: string;
  /** A dual-stack overlay network's IPv6 cluster CIDR (`--ipv6 --subnet fd00:…/48`). */
  ipv6Subnet?: string;
  gateway?: string;
  ipRange?: string;
  /** `-o key=value` as given (the default bridge: Docker's com.docker.network.bridge.* set). */
  options: Record<string, string>;
  labels: Record<string, string>;
  /** bridge, host and none: present from the start, never removed. */
  builtin: boolean;
  /** Overlay networks only: berthd's config as it answered. */
  overlay?: OverlayNetworkInfo;
}

/** Where networks live, and the default bridge's settings. */
export interface NetworkStoreOptions {
  /** berth's state root (e.g. /var/lib/berth); networks under `<root>/networks`. */
  root: string;
  /** libcni's directory (default /var/lib/cni); host-local's dataDir is `<cniDir>/networks`. */
  cniDir?: string;
  /** The `bridge` network: default bridge berth0, subnet 10.87.0.0/16. */
  defaultBridge?: { bridgeName: string; subnet: string };
  /** Clock for `created` (tests). */
  now?: () => Date;
  /** BERTH_RUN (default /run/berth): berthd's API socket is `<runDir>/berthd.sock`. */
  runDir?: string;
  /** How long `create` waits for the store's lock before failing (default 30 s). */
  lockTimeoutMs?: number;
}

/** What `berth network create` asks for. */
export interface CreateNetworkRequest {
  name: string;
  driver?: 'bridge' | 'macvlan' | 'overlay';
  /** For overlay: the cluster CIDR. */
  subnet?: string;
  /** For overlay with `--ipv6`: the IPv6 cluster CIDR (the `--subnet` given in IPv6). */
  ipv6Subnet?: string;
  /** `--ipv6`. */
  enableIPv6?: boolean;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
}

/** Which refusal a network operation made. */
export type NetworkErrorKind = 'not-found' | 'conflict' | 'invalid' | 'forbidden' | 'in-use' | 'unavailable';

/** A network operation refused, with Docker's message. */
export class NetworkError extends RuntimeError<NetworkErrorKind> {
  constructor(message: string, kind: NetworkErrorKind) {
    super(message, kind);
    this.name = 'NetworkError';
  }
}

/** Docker's option keys that berth honours. */
export const OPT_BRIDGE_NAME = 'com.docker.network.bridge.name';
export const OPT_MTU = 'com.docker.network.driver.mtu';
export const OPT_IP_MASQUERADE = 'com.docker.network.bridge.enable_ip_masquerade';
export const OPT_PARENT = 'parent';
export const OPT_MACVLAN_MODE = 'macvlan_mode';
/** Overlay options (`-o vni=N -o port=N -o subnet_len=N`), sent to berthd. */
export const OPT_VNI = 'vni';
export const OPT_PORT = 'port';
export const OPT_SUBNET_LEN = 'subnet_len';
/** `-o ipv6_subnet_len=N`: each host's IPv6 subnet length on a dual-stack overlay network (default 64). */
export const OPT_IPV6_SUBNET_LEN = 'ipv6_subnet_len';
/** Docker's overlay option showing the network's VXLAN ID; berth records berthd's answer there. */
export const OPT_VXLANID_LIST = 'com.docker.network.driver.overlay.vxlanid_list';
