/**
 * What berth records about one container: the configuration `berth run` resolved (immutable once
 * created) and the state that changes over its life. Both are stored as JSON under
 * `<root>/containers/<id>/` and are the source of `berth ps` and `berth inspect`.
 */
import type { Resources } from '../cgroups';
import type { ExposedPort, PortBinding, PortProtocol } from '../network';
import type { MountSpec } from '../storage/mount-spec';
import type { RestartPolicy } from './restart-policy';

/**
 * `--network`: Docker's modes. `network` names a berth network (`bridge` is the default one): as typed
 * in a create request (a name, an id or an id prefix), and in a container's record as create resolved
 * it, the network's name and its id (records of older berths hold the name alone).
 */
export type NetworkMode =
  | { readonly kind: 'none' }
  | { readonly kind: 'host' }
  | { readonly kind: 'container'; readonly container: string }
  | { readonly kind: 'network'; readonly name: string; readonly id?: string };

/** One line of a uid or gid map (`--userns`), as /proc/<pid>/uid_map spells it. */
export interface IdMap {
  readonly containerId: number;
  readonly hostId: number;
  readonly size: number;
}

/** Everything `berth run` decided before the container started. */
export interface ContainerConfig {
  /** 64 lowercase hex digits. */
  readonly id: string;
  /** Unique among containers; Docker's rule `[a-zA-Z0-9][a-zA-Z0-9_.-]+`. */
  readonly name: string;
  /** The image reference as the user gave it ("busybox"). */
  readonly image: string;
  /** The image's id (sha256 hex) at create time. */
  readonly imageId: string;
  /** argv of the container's process (the image default when none was given). */
  readonly command: readonly string[];
  /** `KEY=VALUE` entries, PATH included. */
  readonly env: readonly string[];
  /** Absolute path inside the container; "/" by default. */
  readonly workingDir: string;
  /** `--user` or the image's USER (name|uid[:group|gid]), resolved in the container; absent: root. */
  readonly user?: string;
  /** The UTS hostname; the first 12 digits of the id by default (Docker's choice). */
  readonly hostname: string;
  readonly network: NetworkMode;
  /** `--ip` / `--ip6`: the addresses to lease on the network it is created on. */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** `-p`/`-P`: container ports to publish on the host (through the portmap plugin in the chain). */
  readonly ports?: readonly PortBinding[];
  /** `--expose`, the published ports and the image's ExposedPorts (what `-P` publishes). */
  readonly exposedPorts?: readonly ExposedPort[];
  readonly mounts: readonly MountSpec[];
  readonly resources: Resources;
  /** `--rm`: remove everything once the process exits. */
  readonly autoRemove: boolean;
  /** `--restart`; absent in records of berths before restart policies (same as "no"). */
  readonly restartPolicy?: RestartPolicy;
  /** `--userns`: run in a new user namespace with these maps. */
  readonly userns?: { readonly uidMap: readonly IdMap[]; readonly gidMap: readonly IdMap[] };
  /** `--dns`, `--dns-search`, `--dns-option` (absent or empty lists: the host's). */
  readonly dns?: { readonly servers: readonly string[]; readonly search: readonly string[]; readonly options: readonly string[] };
  /** `--add-host` entries as Docker's HostConfig.ExtraHosts: `host:ip`. */
  readonly extraHosts?: readonly string[];
  /** `--network-alias`: more names on the `--network` network (user networks only). */
  readonly networkAliases?: readonly string[];
  /** RFC 3339 time of creation. */
  readonly created: string;
}

/** Docker's container states, as `berth ps` and `inspect .State.Status` show them. */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead';

/** A network the container is attached to, from the CNI result of its ADD. */
export interface NetworkAttachment {
  readonly network: string;
  /** The interface inside the container ("eth0"). */
  readonly ifName: string;
  readonly mac?: string;
  /** "10.87.0.2/16" (CIDR-suffixed, as Docker's IPv4Address). */
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly gateway?: string;
  /** Names besides the container's own that berth's DNS answers on this network (`--network-alias`). */
  readonly aliases?: readonly string[];
}

/** What changes over a container's life. */
export interface ContainerState {
  status: ContainerStatus;
  /** Host PID of the container's process; 0 when it is not running. */
  pid: number;
  /** Start time of `pid` (field 22 of /proc/<pid>/stat), so a reused PID is never mistaken for it. */
  pidStartTime?: string;
  /** Host PID of the berth process that supervises it (waits for it, writes its logs). */
  supervisorPid?: number;
  supervisorStartTime?: string;
  exitCode: number;
  oomKilled: boolean;
  /** Restarts by the restart policy since the last manual start (inspect's RestartCount). */
  restartCount?: number;
  /** RFC 3339; "0001-01-01T00:00:00Z" (Docker's zero time) when it never happened. */
  startedAt: string;
  finishedAt: string;
  /** Why the start failed, when it did. */
  error: string;
  /** Path of the container's network namespace ("" with --network host). */
  netns: string;
  attachments: NetworkAttachment[];
  /** The host ports chosen at the last start; held while the container is looked after (port-allocation). */
  ports?: PublishedPort[];
}

/** A published port as started: the host port chosen for a binding. */
export interface PublishedPort {
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  /** "" for every host address. */
  readonly hostIp: string;
  readonly hostPort: number;
}

/** A container as the CLI sees it. */
export interface ContainerRecord {
  readonly config: ContainerConfig;
  readonly state: ContainerState;
}

/** Whether the container's process exists: running, or paused (frozen but there). */
export const isLive = (rec: ContainerRecord): boolean => rec.state.status === 'running' || rec.state.status === 'paused';

/** Docker's zero time, used for events that did not happen. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
