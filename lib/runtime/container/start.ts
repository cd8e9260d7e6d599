/**
 * Starting a created container, in runc's order: cgroup with its limits, volumes, the network (netns,
 * CNI ADD), the /etc files, then the init, which is put into the cgroup before it may run anything
 * (spawn-init). The init's process is spawned first and starts Node while those steps run (it waits
 * for its spec, which comes only after the cgroup join): its start-up is off the critical path. Each
 * step pushes its undo; a failure unwinds them all, so a failed start leaves no cgroup, netns, veth,
 * lease, rule or waiting init behind, and the error says which step failed.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UndoStack } from '../../util';
import { DEFAULT_DEVICE_RULES } from '../cgroups';
import { planMounts } from '../storage/mount-plan';
import { overlayLayout } from '../storage/overlay-root';
import type { RunSpec } from '../init/spec';
import type { RuntimeDeps } from './deps';
import { writeEtcFiles } from './etc-files';
import { appendLog } from './json-log';
import { copyUpVolumes } from './volume-copy-up';
import { attachNetwork, createContainerNetns, deleteContainerNetns, detachNetwork } from './network-attach';
import { type StartedInit, prestartInit } from './spawn-init';
import { containerCgroup, killAll } from './teardown';
import { attachConnected, requestedIps } from './connect';
import { readEndpoints } from './endpoints';
import { allocatePorts } from './port-allocation';
import type { ContainerRecord, ContainerState, NetworkAttachment, PublishedPort } from './types';

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

/** Which netns the container uses, and whether it was made for it. */
async function setUpNetwork(
  deps: RuntimeDeps,
  rec: ContainerRecord,
  undo: UndoStack,
): Promise<{ netns: string; attachments: NetworkAttachment[]; ports?: PublishedPort[] }> {
  const { config } = rec;
  switch (config.network.kind) {
    case 'host':
      return { netns: '', attachments: [] };
    case 'container': {
      const other = await deps.containers.resolve(config.network.container);
      if (other.state.status !== 'running' && other.state.status !== 'paused') {
        throw new Error(`cannot join network of a non running container: ${other.config.id}`);
      }
      return { netns: other.state.netns || `/proc/${other.state.pid}/ns/net`, attachments: [] };
    }
    case 'none':
    case 'network': {
      const netns = await createContainerNetns(deps, config.id);
      undo.push('netns', () => deleteContainerNetns(deps, config.id));
      if (config.network.kind === 'none') return { netns, attachments: [] };
      const name = config.network.name;
      const attachments: NetworkAttachment[] = [];
      let ports: PublishedPort[] = [];
      if (!readEndpoints(deps.containers.containerDir(config.id)).primaryDetached) {
        // Published ports go through portmap on the host's bridge; a macvlan child is not reachable
        // from its host, so there they are recorded and not published.
        const driver = deps.networks.get(name).driver;
        ports = driver === 'bridge' || driver === 'overlay' ? await allocatePorts(deps, rec) : [];
        attachments.push(await attachNetwork(deps, config.id, name, netns, { ports, ips: requestedIps(config) }));
        undo.push(`network ${name}`, () => detachNetwork(deps, config.id, name, netns));
      }
      attachments.push(...(await attachConnected(deps, config.id, netns, undo)));
      return { netns, attachments, ports };
    }
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
  const pending = prestartInit({
    initPath: deps.paths.initPath,
    pidNs: { mode: 'run' },
    stdio,
    output: (stream, chunk) => {
      appendLog(logPath, stream, chunk);
      if (opts.attach) (stream === 'stdout' ? process.stdout : process.stderr).write(chunk);
    },
  });
  undo.push('init', () => pending.abort());
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
    copyUpVolumes(config.mounts, deps.images.rootfs(config.imageId), (name) => deps.volumes.mountpoint(name));

    const { netns, attachments, ports } = await setUpNetwork(deps, rec, undo);
    const addresses = attachments.flatMap((a) => [a.ipv4, a.ipv6].filter((x): x is string => x !== undefined));
    const etcFiles = writeEtcFiles(dir, config.hostname, addresses, config.network.kind === 'host');

    const layout = overlayLayout(dir, [deps.images.rootfs(config.imageId)]);
    const mounts = planMounts(config.mounts, {
      rootfs: layout.merged,
      volumePath: (name) => deps.volumes.mountpoint(name),
      sourceKind: (path) => {
        const st = statSync(path, { throwIfNoEntry: false });
        return st === undefined ? undefined : st.isDirectory() ? 'directory' : 'file';
      },
    });
    const spec: RunSpec = {
      mode: 'run',
      ...(netns === '' ? {} : { netns }),
      hostname: config.hostname,
      rootfs: { lower: layout.lowerdirs, upper: layout.upperdir, work: layout.workdir, merged: layout.merged },
      mounts,
      etcFiles,
      command: config.command,
      env: config.env,
      workingDir: config.workingDir,
    };
    const init = await pending.start(spec, (pid) => cgroup.addProcess(pid));
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

/** The host path of the container's json log. */
export const logPathOf = (deps: RuntimeDeps, id: string): string => join(deps.containers.containerDir(id), `${id}-json.log`);
