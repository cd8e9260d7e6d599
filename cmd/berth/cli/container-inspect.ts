/**
 * One element of `berth inspect <container>`: Docker's `docker inspect` shape (field names, nulls and
 * zero values where Docker has them) built from a container record, so tools that read Docker's JSON
 * (`.State.Pid`, `.NetworkSettings.Networks.bridge.IPAddress`, `.GraphDriver.Data.MergedDir`) work.
 */
import { exposedPortsJson, networkPortsJson, portBindingsJson } from './ports-view';
import { dirname, join } from 'node:path';
import type { ThrottleDevice } from '../../../lib/runtime/cgroups';
import type { ContainerConfig, ContainerRecord, NetworkMode } from '../../../lib/runtime/container';
import type { MountSpec } from '../../../lib/runtime/storage/mount-spec';

/** One network the container is on, as `.NetworkSettings.Networks[name]` needs it. */
export interface InspectEndpoint {
  readonly NetworkID: string;
  readonly EndpointID: string;
  readonly MacAddress: string;
  readonly IPAddress: string;
  readonly IPPrefixLen: number;
  readonly Gateway: string;
  /** The IPv6 address (without prefix) of a dual-stack attachment; absent or '' on IPv4 only. */
  readonly GlobalIPv6Address?: string;
  readonly GlobalIPv6PrefixLen?: number;
  /** `--network-alias` names on this network (null when none, as Docker). */
  readonly Aliases?: readonly string[] | null;
  /** The names berth's DNS answers for the container on this network (Docker 25's DNSNames); null without DNS. */
  readonly DNSNames?: readonly string[] | null;
}

/** What the record does not hold. */
export interface InspectExtra {
  readonly logPath: string;
  /** The overlay layers; absent for a container whose root is gone. */
  readonly rootfs?: { readonly lower: string; readonly upper: string; readonly work: string; readonly merged: string };
  /** The image id (hex, with or without "sha256:"). */
  readonly imageId: string;
  readonly networks: Readonly<Record<string, InspectEndpoint>>;
  /** `<root>/volumes`, for the Source of volume mounts (Docker's `_data` path); "" when absent. */
  readonly volumesDir?: string;
  /** Where resolv.conf, hostname and hosts live; default the directory of `logPath`. */
  readonly containerDir?: string;
}

function networkModeText(mode: NetworkMode): string {
  switch (mode.kind) {
    case 'none':
      return 'none';
    case 'host':
      return 'host';
    case 'container':
      return `container:${mode.container}`;
    case 'network':
      return mode.name;
  }
}

function throttle(list: readonly ThrottleDevice[] | undefined): { Path: string; Rate: number }[] {
  // The record keeps the device number, not the path the user typed: Docker's Path becomes "major:minor".
  return (list ?? []).map((d) => ({ Path: `${d.major}:${d.minor}`, Rate: d.rate }));
}

function mountJson(m: MountSpec, volumesDir: string | undefined): Record<string, unknown> {
  const mode = m.readonly ? 'ro' : '';
  switch (m.type) {
    case 'bind':
      return { Type: 'bind', Source: m.source, Destination: m.target, Mode: mode, RW: !m.readonly, Propagation: m.propagation };
    case 'volume': {
      const name = m.name ?? '';
      const source = volumesDir === undefined || name === '' ? '' : join(volumesDir, name, '_data');
      return { Type: 'volume', Name: name, Source: source, Destination: m.target, Driver: 'local', Mode: mode === '' ? 'z' : mode, RW: !m.readonly, Propagation: '' };
    }
    case 'tmpfs':
      return { Type: 'tmpfs', Source: '', Destination: m.target, Mode: mode, RW: !m.readonly, Propagation: '' };
  }
}

/** `-v` style strings (`src:dst[:opts]`) for HostConfig.Binds; `--mount` binds go to HostConfig.Mounts. */
function binds(mounts: readonly MountSpec[]): string[] | null {
  const out: string[] = [];
  for (const m of mounts) {
    if (m.type === 'tmpfs' || (m.type === 'bind' && !m.createSource) || (m.type === 'volume' && m.name === undefined)) continue;
    const opts = [m.readonly ? 'ro' : '', m.type === 'bind' && m.propagation !== 'rprivate' ? m.propagation : ''].filter((o) => o !== '');
    const source = m.type === 'bind' ? m.source : m.name;
    out.push([source, m.target, ...(opts.length > 0 ? [opts.join(',')] : [])].join(':'));
  }
  return out.length > 0 ? out : null;
}

function tmpfs(mounts: readonly MountSpec[]): Record<string, string> | undefined {
  const entries = mounts.flatMap((m) => {
    if (m.type !== 'tmpfs') return [];
    const opts = [m.readonly ? 'ro' : '', m.sizeBytes === undefined ? '' : `size=${m.sizeBytes}`, m.mode === undefined ? '' : `mode=${m.mode.toString(8)}`];
    return [[m.target, opts.filter((o) => o !== '').join(',')] as const];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function hostConfig(c: ContainerConfig): Record<string, unknown> {
  const r = c.resources;
  const nanoCpus = r.cpus === undefined || r.cpus.quota <= 0 ? 0 : Math.round((r.cpus.quota * 1e9) / r.cpus.period);
  const mountBinds = c.mounts.filter((m) => m.type === 'bind' && !m.createSource);
  const tmpfsMap = tmpfs(c.mounts);
  return {
    Binds: binds(c.mounts),
    ContainerIDFile: '',
    LogConfig: { Type: 'json-file', Config: {} },
    NetworkMode: networkModeText(c.network),
    PortBindings: portBindingsJson(c),
    RestartPolicy: { Name: c.restartPolicy?.name ?? 'no', MaximumRetryCount: c.restartPolicy?.maximumRetryCount ?? 0 },
    AutoRemove: c.autoRemove,
    CgroupnsMode: 'private',
    IpcMode: 'private',
    PidMode: '',
    UTSMode: '',
    UsernsMode: c.userns === undefined ? '' : 'private',
    Privileged: false,
    ReadonlyRootfs: false,
    Runtime: 'berth',
    CpuShares: r.cpuShares ?? 0,
    Memory: r.memory ?? 0,
    NanoCpus: nanoCpus,
    CgroupParent: '',
    BlkioWeight: r.blkioWeight ?? 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: throttle(r.deviceReadBps),
    BlkioDeviceWriteBps: throttle(r.deviceWriteBps),
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    // --cpus is reported as NanoCpus; Docker leaves the period/quota fields (--cpu-period/--cpu-quota) at 0.
    CpuPeriod: 0,
    CpuQuota: 0,
    CpusetCpus: r.cpusetCpus ?? '',
    CpusetMems: r.cpusetMems ?? '',
    Devices: [],
    MemoryReservation: 0,
    MemorySwap: r.memorySwap ?? 0,
    PidsLimit: r.pidsLimit ?? null,
    Dns: c.dns?.servers ?? [],
    DnsOptions: c.dns?.options ?? [],
    DnsSearch: c.dns?.search ?? [],
    ExtraHosts: c.extraHosts ?? null,
    ...(mountBinds.length > 0
      ? { Mounts: mountBinds.map((m) => ({ Type: 'bind', Source: (m as { source: string }).source, Target: m.target, ReadOnly: m.readonly })) }
      : {}),
    ...(tmpfsMap === undefined ? {} : { Tmpfs: tmpfsMap }),
  };
}

function endpointJson(e: InspectEndpoint): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: e.Aliases ?? null, MacAddress: e.MacAddress, DriverOpts: null,
    NetworkID: e.NetworkID, EndpointID: e.EndpointID, Gateway: e.Gateway, IPAddress: e.IPAddress, IPPrefixLen: e.IPPrefixLen,
    IPv6Gateway: '', GlobalIPv6Address: e.GlobalIPv6Address ?? '', GlobalIPv6PrefixLen: e.GlobalIPv6PrefixLen ?? 0, DNSNames: e.DNSNames ?? null,
  };
}

/**
 * Docker's `docker inspect` element for one container.
 * @returns a JSON-ready object; print an array of them with 4-space indentation, as Docker does.
 */
export function dockerContainerInspect(rec: ContainerRecord, extra: InspectExtra): Record<string, unknown> {
  const { config: c, state: s } = rec;
  const dir = extra.containerDir ?? dirname(extra.logPath);
  const bridge = extra.networks.bridge;
  const imageId = extra.imageId.startsWith('sha256:') ? extra.imageId : `sha256:${extra.imageId}`;
  const rootfs = extra.rootfs;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.command[0] ?? '',
    Args: c.command.slice(1),
    State: {
      Status: s.status,
      // Docker counts a container between two runs of its restart policy as running.
      Running: s.status === 'running' || s.status === 'paused' || s.status === 'restarting',
      Paused: s.status === 'paused',
      Restarting: s.status === 'restarting',
      OOMKilled: s.oomKilled,
      Dead: s.status === 'dead',
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: s.error,
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
    },
    Image: imageId,
    ResolvConfPath: join(dir, 'resolv.conf'),
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    LogPath: extra.logPath,
    Name: `/${c.name}`,
    RestartCount: s.restartCount ?? 0,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfig(c),
    GraphDriver: {
      Data: rootfs === undefined ? null : { LowerDir: rootfs.lower, MergedDir: rootfs.merged, UpperDir: rootfs.upper, WorkDir: rootfs.work },
      Name: 'overlay2',
    },
    Mounts: c.mounts.map((m) => mountJson(m, extra.volumesDir)),
    Config: {
      Hostname: c.hostname,
      Domainname: '',
      User: '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: [...c.env],
      Cmd: [...c.command],
      Image: c.image,
      ...(exposedPortsJson(c) === undefined ? {} : { ExposedPorts: exposedPortsJson(c) }),
      Volumes: null,
      WorkingDir: c.workingDir,
      Entrypoint: null,
      OnBuild: null,
      Labels: {},
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: s.netns,
      Ports: networkPortsJson(rec),
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      // Docker's legacy top-level fields describe the default bridge network only.
      EndpointID: bridge?.EndpointID ?? '',
      Gateway: bridge?.Gateway ?? '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: bridge?.IPAddress ?? '',
      IPPrefixLen: bridge?.IPPrefixLen ?? 0,
      IPv6Gateway: '',
      MacAddress: bridge?.MacAddress ?? '',
      Networks: Object.fromEntries(Object.entries(extra.networks).map(([name, e]) => [name, endpointJson(e)])),
    },
  };
}

/** Docker's inspect output: a JSON array with 4-space indentation and a final newline. */
export function formatInspect(items: readonly unknown[]): string {
  return `${JSON.stringify(items, null, 4)}\n`;
}
