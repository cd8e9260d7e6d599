/**
 * `berth create` (the first half of `run`): resolve the image and the network, name the anonymous
 * volumes, and record the container, its lock held by the caller from the first moment the record
 * is visible.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { validateResources, type Resources } from '../cgroups';
import { DEFAULT_PATH } from '../init/find-executable';
import { checkDuplicateTargets, type MountSpec } from '../storage/mount-spec';
import type { RuntimeDeps } from './deps';
import { type HeldLock, tryLock } from './lock';
import type { RestartPolicy } from './restart-policy';
import { ContainerError } from './store';
import { type ContainerConfig, type ContainerRecord, type ContainerState, type IdMap, type NetworkMode, ZERO_TIME } from './types';

/** What the user asked for (`berth run` flags, already parsed). */
export interface CreateRequest {
  readonly image: string;
  readonly name: string;
  /** Empty: the image's command. */
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly workingDir?: string;
  readonly hostname?: string;
  readonly network: NetworkMode;
  readonly mounts: readonly MountSpec[];
  readonly resources: Resources;
  readonly autoRemove: boolean;
  /** `--restart`; "no" when absent. */
  readonly restartPolicy?: RestartPolicy;
  readonly userns?: { readonly uidMap: readonly IdMap[]; readonly gidMap: readonly IdMap[] };
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
 * the user's (-e wins), and HOME=/root unless someone set it.
 */
export function containerEnv(imageEnv: readonly string[], hostname: string, userEnv: readonly string[]): string[] {
  const env = mergeEnv([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`], imageEnv, userEnv);
  return env.some((e) => e.startsWith('HOME=')) ? env : [...env, 'HOME=/root'];
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
    throw new ContainerError('--userns maps are not supported by this runtime yet (a Node process cannot enter a new user namespace)', 'invalid');
  }
  const image = await deps.images.resolve(req.image);
  let network = req.network;
  if (network.kind === 'network') {
    // Resolved once, here: the record names the network as every later step (attach, teardown, the
    // result cache, `network rm`'s count of users) looks it up, whatever the user typed.
    const net = deps.networks.get(network.name);
    network = { kind: 'network', name: net.name, id: net.id };
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
  for (const m of req.mounts) {
    mounts.push(m.type === 'volume' && m.name === undefined ? { ...m, name: (await deps.volumes.create()).Name } : m);
  }
  const config: ContainerConfig = {
    id,
    name: req.name,
    image: req.image,
    imageId: image.id,
    command,
    env: containerEnv(image.config.Env, hostname, req.env),
    workingDir,
    hostname,
    network,
    mounts,
    resources: req.resources,
    autoRemove: req.autoRemove,
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
