/**
 * Starting a created container, in runc's order: cgroup with its limits, volumes, the network (netns,
 * CNI ADD), the /etc files, then the init, which is put into the cgroup before it may run anything
 * (spawn-init). The init's process is spawned first and starts Node while those steps run (it waits
 * for its spec, which comes only after the cgroup join): its start-up is off the critical path. Each
 * step pushes its undo; a failure unwinds them all, so a failed start leaves no cgroup, netns, veth,
 * lease, rule or waiting init behind, and the error says which step failed.
 */
import { chmodSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UndoStack } from '../../util';
import { hasErrno } from '../../sys';
import { DEFAULT_DEVICE_RULES } from '../cgroups';
import { planMounts } from '../storage/mount-plan';
import { overlayLayout } from '../storage/overlay-root';
import type { RunSpec } from '../init/spec';
import type { RuntimeDeps } from './deps';
import { writeEtcFiles } from './etc-files';
import { appendLog } from './json-log';
import { copyUpVolumes } from './volume-copy-up';
import { ownsNetns } from './network-attach';
import { type InitPidNs, type InitUserns, type PendingInit, type StartedInit, prestartInit } from './spawn-init';
import { remappedRootfs } from './remapped-rootfs';
import { type HeldUserns, type UsernsMaps, chownToMappedRoot, holdUserns, shiftOwners, idmappedLayerOf, idmappedLowerOf, makePassable, mappedRoot, mountIdmappedLower, unmountIdmappedLayers } from './userns';
import { containerCgroup, killAll } from './teardown';
import { embeddedResolver, setUpNetwork, withHostGateway } from './start-network';
import type { ContainerRecord, ContainerState } from './types';

/** The container's stdin, stdout and stderr, as spawn() stdio entries. */
export type ContainerStdio = readonly ('inherit' | 'ignore' | 'pipe' | number)[];

/** A container whose command is running. */
export interface StartedContainer {
  readonly init: StartedInit;
  readonly state: ContainerState;
}

/** Field 22 of /proc/<pid>/stat: the start time that tells this process from a later one with its PID. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Starts `rec` (status "created"). Returns once its command runs; the caller supervises it. Its
 * piped output goes to the json log from the first byte (and to our stdout/stderr with `attach`).
 * @throws the failing step's error, after undoing the steps before it.
 */
export async function startContainer(deps: RuntimeDeps, rec: ContainerRecord, stdio: ContainerStdio, opts: { attach: boolean } = { attach: false }): Promise<StartedContainer> {
  const { config } = rec;
  const dir = deps.containers.containerDir(config.id);
  const undo = new UndoStack();
  const logPath = logPathOf(deps, config.id);
  const prestart = (pidNs: InitPidNs, userns?: InitUserns): PendingInit => {
    const pending = prestartInit({
      initPath: deps.paths.initPath,
      pidNs,
      ...(userns === undefined ? {} : { userns }),
      stdio,
      output: (stream, chunk) => {
        appendLog(logPath, stream, chunk);
        if (opts.attach) (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
      },
    });
    undo.push('init', () => pending.abort());
    return pending;
  };
  // Without a user namespace the init starts now (its Node start-up overlaps the steps below); with
  // one it is spawned into its netns, which must exist by then (userns.ts).
  let pending = config.userns === undefined ? prestart({ mode: 'run' }) : undefined;
  try {
    const cgroup = containerCgroup(deps, config.id);
    // The undo goes first: a create that fails half-way through the v1 hierarchies leaves some.
    undo.push('cgroup', async () => {
      await killAll(cgroup);
      await cgroup.destroy();
    });
    cgroup.create();
    cgroup.apply({ devices: [...DEFAULT_DEVICE_RULES], ...config.resources });

    for (const m of config.mounts) if (m.type === 'volume' && m.name !== undefined) await deps.volumes.create(m.name);
    const maps = config.userns;
    copyUpVolumes(config.mounts, deps.images.lowerdirs(config.imageId), dir, (name) => deps.volumes.mountpoint(name), maps === undefined ? undefined : (dest) => shiftOwners(dest, maps));

    const held = config.userns === undefined ? undefined : await holdUserns(config.userns, { net: ownsNetns(config) });
    if (held !== undefined) undo.push('user namespace', () => held.release());
    const { netns, attachments, ports } = await setUpNetwork(deps, rec, undo, held?.netPath);
    const addresses = attachments.flatMap((a) => [a.ipv4, a.ipv6].filter((x): x is string => x !== undefined));
    const resolver = await embeddedResolver(deps, attachments);
    const etcFiles = writeEtcFiles(dir, config.hostname, {
      addresses,
      hostNetwork: config.network.kind === 'host',
      ...(config.dns ? { dns: config.dns } : {}),
      extraHosts: (config.extraHosts ?? []).map((e) => withHostGateway(e, attachments[0]?.gateway)),
      ...(resolver === undefined ? {} : { resolver }),
      ...(deps.paths.resolvConf ? { hostResolvConf: deps.paths.resolvConf } : {}),
    });

    const lowerdirs = deps.images.lowerdirs(config.imageId);
    const userns = held === undefined ? undefined : prepareUserns(deps, config, undo, { held, dir, lowerdirs, etcFiles });
    const layout = overlayLayout(dir, userns?.lowerdirs ?? lowerdirs);
    const mounts = planMounts(config.mounts, {
      rootfs: layout.merged,
      volumePath: (name) => deps.volumes.mountpoint(name),
      sourceKind: (path) => {
        const st = statSync(path, { throwIfNoEntry: false });
        return st === undefined ? undefined : st.isDirectory() ? 'directory' : 'file';
      },
    });
    pending ??= prestart({ mode: 'relay' }, { user: userns!.held.userPath, ...(netns === '' ? {} : { netns }) });
    const spec: RunSpec = {
      mode: 'run',
      ...(netns === '' || userns !== undefined ? {} : { netns }),
      ...(userns === undefined ? {} : { userns: true }),
      hostname: config.hostname,
      rootfs: { lower: layout.lowerdirs, upper: layout.upperdir, work: layout.workdir, merged: layout.merged },
      mounts,
      etcFiles,
      command: config.command,
      env: config.env,
      workingDir: config.workingDir,
      ...(config.user === undefined ? {} : { user: config.user }),
    };
    const init = await pending.start(spec, (pid) => cgroup.addProcess(pid));
    if (userns !== undefined) {
      // The init's mount namespace has its own copy of the idmapped mount: the host's can go.
      if (userns.idmapped) unmountIdmappedLayers(dir);
      await userns.held.release();
    }
    const startTime = processStartTime(init.pid);
    const ownStartTime = processStartTime(process.pid);
    const state: ContainerState = {
      ...rec.state,
      status: 'running',
      pid: init.pid,
      ...(startTime === undefined ? {} : { pidStartTime: startTime }),
      // Whoever starts the container supervises it (berth run, or the detached __supervise).
      supervisorPid: process.pid,
      ...(ownStartTime === undefined ? {} : { supervisorStartTime: ownStartTime }),
      startedAt: new Date().toISOString(),
      error: '',
      netns,
      attachments,
      ports: ports ?? [],
    };
    await deps.containers.saveState(config.id, state);
    return { init, state };
  } catch (err) {
    await undo.unwind();
    throw err;
  }
}

/**
 * Prepares a user namespace start (userns.ts), the namespace held already: the image idmapped
 * through it at `<dir>/lower`, the container's directory and volumes usable by its root.
 */
function prepareUserns(
  deps: RuntimeDeps,
  config: ContainerRecord['config'],
  undo: UndoStack,
  at: { held: HeldUserns; dir: string; lowerdirs: readonly string[]; etcFiles: Record<string, string> },
): { held: HeldUserns; lowerdirs: string[]; idmapped: boolean } {
  const maps = config.userns!;
  const { held } = at;
  const { lowerdirs, idmapped } = imageForUserns(deps, at.lowerdirs, maps, at.dir, held, undo);
  const owner = mappedRoot(maps);
  const layout = overlayLayout(at.dir, lowerdirs);
  for (const d of [layout.upperdir, layout.workdir, layout.merged]) mkdirSync(d, { recursive: true });
  makePassable(deps.paths.root, at.dir);
  chownToMappedRoot([at.dir, layout.upperdir, layout.workdir, layout.merged, ...Object.values(at.etcFiles)], owner);
  for (const m of config.mounts) {
    if (m.type !== 'volume' || m.name === undefined) continue;
    const data = deps.volumes.mountpoint(m.name);
    makePassable(deps.paths.root, data);
    // A volume's top directory belongs to the mapped root, as under dockerd's remapped root; only
    // one still owned by host root is taken (another mapping's volume keeps its owner).
    if (statSync(data).uid === 0) chownToMappedRoot([data], owner);
  }
  return { held, lowerdirs, idmapped };
}

/** errnos of a kernel or filesystem that cannot idmap: the copy is the way then. */
const NO_IDMAP = ['EINVAL', 'EPERM', 'ENOSYS', 'EOPNOTSUPP', 'ENOTSUP'];

/**
 * The image's layers as the container's root sees them: each idmapped at `<dir>/lower/<i>`, or
 * remapped copies where idmapped mounts are off or the kernel refuses them.
 */
function imageForUserns(deps: RuntimeDeps, lowerdirs: readonly string[], maps: UsernsMaps, dir: string, held: HeldUserns, undo: UndoStack): { lowerdirs: string[]; idmapped: boolean } {
  // The layers themselves, not the store's short links to them: the copies live beside each layer.
  const layers = lowerdirs.map((l) => realpathSync(l));
  if (deps.paths.usernsIdmap !== false) {
    undo.push('idmapped image', () => unmountIdmappedLayers(dir));
    // Passable by the mapped root: it resolves each layer's mount point below it.
    mkdirSync(idmappedLowerOf(dir), { recursive: true, mode: 0o711 });
    chmodSync(idmappedLowerOf(dir), 0o711);
    try {
      return { lowerdirs: layers.map((layer, i) => {
        const lower = idmappedLayerOf(dir, i);
        mountIdmappedLower(layer, lower, held);
        return lower;
      }), idmapped: true };
    } catch (err) {
      if (!NO_IDMAP.some((code) => hasErrno(err, code))) throw err;
      unmountIdmappedLayers(dir);
    }
  }
  return { lowerdirs: layers.map((layer) => {
    const copy = remappedRootfs(layer, maps);
    makePassable(deps.paths.root, copy);
    return copy;
  }), idmapped: false };
}

/** The host path of the container's json log. */
export const logPathOf = (deps: RuntimeDeps, id: string): string => join(deps.containers.containerDir(id), `${id}-json.log`);
