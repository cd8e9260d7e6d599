/**
 * berth's networks as Docker shows them (`network ls`, `network inspect`): the three built-ins
 * (bridge, host, none) and user networks made with `berth network create`.
 */

/** Docker's network drivers that berth has: bridge and macvlan run CNI plugins; host and null do not. */
export type NetworkDriver = 'bridge' | 'macvlan' | 'host' | 'null';

/** One network, as stored under `<root>/networks/<name>.json`. */
export interface NetworkInfo {
  name: string;
  /** 64 hex digits, random at creation, never changed. */
  id: string;
  driver: NetworkDriver;
  scope: 'local';
  /** RFC 3339 with nanoseconds, as Docker prints it. */
  created: string;
  /** `--internal`: no masquerade and no default route. */
  internal: boolean;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  /** `-o key=value` as given (the default bridge: Docker's com.docker.network.bridge.* set). */
  options: Record<string, string>;
  labels: Record<string, string>;
  /** bridge, host and none: present from the start, never removed. */
  builtin: boolean;
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
}

/** What `berth network create` asks for. */
export interface CreateNetworkRequest {
  name: string;
  driver?: 'bridge' | 'macvlan';
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  options?: Record<string, string>;
  labels?: Record<string, string>;
}

/** A network operation refused, with Docker's message. */
export class NetworkError extends Error {
  /** Which refusal, so that the CLI picks an exit status without matching text. */
  readonly kind: 'not-found' | 'conflict' | 'invalid' | 'forbidden' | 'in-use';

  constructor(message: string, kind: NetworkError['kind']) {
    super(message);
    this.name = 'NetworkError';
    this.kind = kind;
  }
}

/** Docker's option keys that berth honours. */
export const OPT_BRIDGE_NAME = 'com.docker.network.bridge.name';
export const OPT_MTU = 'com.docker.network.driver.mtu';
export const OPT_IP_MASQUERADE = 'com.docker.network.bridge.enable_ip_masquerade';
export const OPT_PARENT = 'parent';
export const OPT_MACVLAN_MODE = 'macvlan_mode';
