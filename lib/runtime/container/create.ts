/**
 * `berth create` (the first half of `run`): resolve the image and the network, name the anonymous
 * volumes, and record the container, its lock held by the caller from the first moment the record
 * is visible.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { validateResources, type Resources } from '../cgroups';
import { DEFAULT_PATH } from '../init/find-executable';
import { type ExposedPort, type PortBinding, parsePortKey, portKey } from '../network';
import { checkDuplicateTargets, type MountSpec } from '../storage/mount-spec';
import type { RuntimeDeps } from './deps';
import { type HeldLock, tryLock } from './lock';
import { mapProblem } from './userns';
import type { RestartPolicy } from './restart-policy';
import { ContainerError } from './store';
import { type ContainerConfig, type ContainerRecord, type ContainerState, type IdMap, type NetworkMode, ZERO_TIME } from './types';

/** Docker's refusal of `--network-alias` on the default bridge (and host, none, container:). */
const ALIAS_USER_NETWORKS_ONLY = 'network-scoped alias is supported only for containers in user defined networks';

/** What the user asked for (`berth run` flags, already parsed). */
export interface CreateRequest {
  readonly image: string;
  readonly name: string;
  /** Empty: the image's command. */
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly workingDir?: string;
  /** `--user`; the image's USER when absent. */
  readonly user?: string;
  readonly hostname?: string;
  readonly network: NetworkMode;
  /** `--ip` / `--ip6` on the network it is created on (a user network). */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** `-p` bindings; dropped with --network host or none, where there is nothing to map to. */
  readonly ports?: readonly PortBinding[];
  /** `--expose`. */
  readonly exposedPorts?: readonly ExposedPort[];
  /** `-P`: every exposed port (the image's, --expose, -p's) not bound by -p gets an ephemeral host port. */
  readonly publishAll?: boolean;
  readonly mounts: readonly MountSpec[];
  readonly resources: Resources;
  readonly autoRemove: boolean;
  /** `--restart`; "no" when absent. */
  readonly restartPolicy?: RestartPolicy;
  readonly userns?: { readonly uidMap: readonly IdMap[]; readonly gidMap: readonly IdMap[] };
  readonly dns?: ContainerConfig['dns'];
  readonly extraHosts?: readonly string[];
  readonly networkAliases?: readonly string[];
}

/** A created container and the lock its creator holds. */
export interface CreatedContainer {
  readonly record: ContainerRecord;
  readonly lock: HeldLock;
}

/** Merges KEY=VALUE lists: later entries replace earlier ones with the same key, order kept. */
export function mergeEnv(...lists: (readonly string[])[]): string[] {
  const out = new Map<string, string>();
  for (const entry of lists.flat()) {
    const eq = entry.indexOf('=');
    out.set(eq === -1 ? entry : entry.slice(0, eq), entry);
  }
  return [...out.values()];
}

/**
 * The container's environment as Docker builds it: a default PATH, HOSTNAME, the image's variables,
 * the user's (-e wins), and HOME=/root unless someone set it. A container with a user gets HOME
 * from that user's passwd entry instead, at exec (init/container-user.ts).
 */
export function containerEnv(imageEnv: readonly string[], hostname: string, userEnv: readonly string[], user?: string): string[] {
  const env = mergeEnv([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`], imageEnv, userEnv);
  if (user !== undefined && !/^(root|0)(:|$)/.test(user)) return env;
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, 'HOME=/root'];
}

/**
 * The ports part of the config, as Docker's daemon completes it: exposed ports are the image's,
 * `--expose`'s and every published one (sorted, each once); `-P` binds each exposed port that `-p`
 * did not to an ephemeral host port. With --network host or none the bindings go (nothing to DNAT to).
 */
export function publishedPorts(
  req: CreateRequest,
  network: NetworkMode,
  imageExposed: Readonly<Record<string, unknown>> | undefined,
): Pick<ContainerConfig, 'ports' | 'exposedPorts'> {
  const exposed = new Map<string, ExposedPort>();
  const add = (p: ExposedPort) => exposed.set(portKey(p.port, p.protocol), p);
  for (const key of Object.keys(imageExposed ?? {})) {
    const p = parsePortKey(key);
    if (p) add(p);
  }
  for (const p of req.exposedPorts ?? []) add(p);
  const bindings = [...(req.ports ?? [])];
  for (const b of bindings) add({ port: b.containerPort, protocol: b.protocol });
  const sorted = [...exposed.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  if (req.publishAll) {
    for (const p of sorted) {
      if (!bindings.some((b) => b.containerPort === p.port && b.protocol === p.protocol)) {
        bindings.push({ containerPort: p.port, protocol: p.protocol, hostIp: '', hostPorts: [0, 0] });
      }
    }
  }
  const published = network.kind === 'network' ? bindings : [];
  return { ...(sorted.length > 0 ? { exposedPorts: sorted } : {}), ...(published.length > 0 ? { ports: published } : {}) };
}

/** The state of a container that has never run. */
export function initialState(): ContainerState {
  return { status: 'created', pid: 0, exitCode: 0, oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, error: '', netns: '', attachments: [] };
}

/**
 * Creates the container record.
 * @throws ImageError (no such image), NetworkError (no such network), ContainerError (name in use,
 *   no command), ResourceError, MountSpecError.
 */
export async function createContainer(deps: RuntimeDeps, req: CreateRequest): Promise<CreatedContainer> {
  validateResources(req.resources);
  checkDuplicateTargets(req.mounts);
  if (req.autoRemove && req.restartPolicy !== undefined && req.restartPolicy.name !== 'no') {
    throw new ContainerError('Conflicting options: --restart and --rm', 'invalid');
  }
  if (req.userns !== undefined) {
    for (const [flag, maps] of [['--userns-uidmap', req.userns.uidMap], ['--userns-gidmap', req.userns.gidMap]] as const) {
      const problem = mapProblem(maps);
      if (problem !== undefined) throw new ContainerError(`invalid ${flag}: ${problem}`, 'invalid');
    }
  }
  const image = await deps.images.resolve(req.image);
  let network = req.network;
  if (network.kind === 'network') {
    // Resolved once, here: the record names the network as every later step (attach, teardown, the
    // result cache, `network rm`'s count of users) looks it up, whatever the user typed.
    const net = deps.networks.get(network.name);
    network = { kind: 'network', name: net.name, id: net.id };
    if ((req.ipv4 !== undefined || req.ipv6 !== undefined) && net.builtin) {
      throw new ContainerError('user specified IP address is supported on user defined networks only', 'invalid');
    }
    if (net.builtin && (req.networkAliases?.length ?? 0) > 0) throw new ContainerError(ALIAS_USER_NETWORKS_ONLY, 'invalid');
  } else if ((req.networkAliases?.length ?? 0) > 0) {
    throw new ContainerError(ALIAS_USER_NETWORKS_ONLY, 'invalid');
  }
  if (req.network.kind === 'container') {
    const other = await deps.containers.resolve(req.network.container);
    if (other.state.status !== 'running') throw new ContainerError(`cannot join network of a non running container: ${other.config.id}`, 'invalid');
  }
  const command = [...(image.config.Entrypoint ?? []), ...(req.command.length > 0 ? req.command : image.config.Cmd)];
  if (command.length === 0) throw new ContainerError('no command specified', 'invalid');
  const workingDir = req.workingDir ?? (image.config.WorkingDir || '/');
  if (!posix.isAbsolute(workingDir)) throw new ContainerError(`the working directory '${workingDir}' is invalid, it needs to be an absolute path`, 'invalid');

  const id = randomBytes(32).toString('hex');
  const hostname = req.hostname ?? id.slice(0, 12);
  const mounts: MountSpec[] = [];
  for (const m of [...req.mounts, ...imageVolumes(image.config.Volumes, req.mounts)]) {
    mounts.push(m.type === 'volume' && m.name === undefined ? { ...m, name: (await deps.volumes.create()).Name } : m);
  }
  const config: ContainerConfig = {
    id,
    name: req.name,
    image: req.image,
    imageId: image.id,
    command,
    env: containerEnv(image.config.Env, hostname, req.env, req.user ?? image.config.User),
    workingDir,
    ...((req.user ?? image.config.User) ? { user: req.user ?? image.config.User! } : {}),
    hostname,
    network,
    ...(req.ipv4 !== undefined && network.kind === 'network' ? { ipv4: req.ipv4 } : {}),
    ...(req.ipv6 !== undefined && network.kind === 'network' ? { ipv6: req.ipv6 } : {}),
    ...publishedPorts(req, network, image.config.ExposedPorts),
    mounts,
    resources: req.resources,
    autoRemove: req.autoRemove,
    ...(req.userns === undefined ? {} : { userns: req.userns }),
    ...(req.dns ? { dns: req.dns } : {}),
    ...(req.extraHosts && req.extraHosts.length > 0 ? { extraHosts: req.extraHosts } : {}),
    ...(req.networkAliases && req.networkAliases.length > 0 ? { networkAliases: req.networkAliases } : {}),
    ...(req.restartPolicy === undefined || req.restartPolicy.name === 'no' ? {} : { restartPolicy: req.restartPolicy }),
    created: new Date().toISOString(),
  };
  let lock: HeldLock | undefined;
  try {
    await deps.containers.create(config, initialState(), (dir) => {
      lock = tryLock(dir);
      if (lock === undefined) throw new Error(`container ${id} is locked by another process`);
    });
  } catch (err) {
    (lock as HeldLock | undefined)?.release();
    // The anonymous volumes made above belong to nobody now (a name clash, say).
    for (const m of mounts) if (m.type === 'volume' && !req.mounts.some((r) => r.type === 'volume' && r.name === m.name)) await deps.volumes.remove(m.name!, { force: true }).catch(() => {});
    throw err;
  }
  return { record: { config, state: initialState() }, lock: lock! };
}

/**
 * The image's VOLUME paths that no mount of the request covers, as anonymous volumes: Docker gives
 * each one a fresh volume, filled from the image at the first start.
 */
function imageVolumes(volumes: Readonly<Record<string, unknown>> | undefined, requested: readonly MountSpec[]): MountSpec[] {
  const taken = new Set(requested.map((m) => posix.resolve('/', m.target)));
  return Object.keys(volumes ?? {})
    .map((path) => posix.resolve('/', path))
    .filter((target) => target !== '/' && !taken.has(target))
    .map((target) => ({ type: 'volume', name: undefined, target, readonly: false, noCopy: false, options: {} }) as MountSpec);
}
