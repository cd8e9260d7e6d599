/**
 * The cgroup v1 manager: one directory per controller, `<mount>/<path>`, as on this project's hosts.
 * Controllers come from the detected layout; a resource whose controller is not mounted is an error
 * naming its flag rather than a silently missing limit.
 */
import { join } from 'node:path';
import { type CgroupFs, nodeCgroupFs } from '../fs';
import { CgroupUnsupportedError } from '../errors';
import type { V1Controller } from '../detect';
import { type CgroupManager, type CgroupStats, checkCgroupPath, parsePids } from '../manager';
import { type Resources, validateResources } from '../resources';
import { removeCgroupDir } from '../destroy';
import type { V1ControllerOps } from './controller';
import { memory } from './memory';
import { cpu } from './cpu';
import { cpuacct } from './cpuacct';
import { cpuset } from './cpuset';
import { pids } from './pids';
import { blkio } from './blkio';
import { devices } from './devices';
import { netCls, netPrio } from './net';
import { setFreezerState } from './freezer';

// The freezer has no resources; it is listed so its directory is created and the task joins it.
const freezer: V1ControllerOps = { name: 'freezer', neededBy: () => undefined, apply() {} };

/** Every v1 controller this manager knows, in the order resources are applied. */
export const V1_CONTROLLER_OPS: readonly V1ControllerOps[] = [cpuset, memory, cpu, cpuacct, pids, blkio, devices, freezer, netCls, netPrio];

/** Options of {@link V1CgroupManager}. */
export interface V1ManagerOptions {
  /** The cgroup path relative to each hierarchy root, e.g. "berth/<container id>". */
  path: string;
  /** Mount point of each controller (from {@link detectCgroupLayout}); unmounted ones are skipped. */
  mounts: Partial<Record<V1Controller, string>>;
  /** The filesystem seam; tests pass one rooted in a temp directory. */
  fs?: CgroupFs;
}

/** A container's cgroup on a v1 (or hybrid) host. */
export class V1CgroupManager implements CgroupManager {
  readonly version = 'v1';
  readonly path: string;
  private readonly cfs: CgroupFs;
  private readonly controllers: { ops: V1ControllerOps; root: string; dir: string }[];

  constructor(opts: V1ManagerOptions) {
    this.path = checkCgroupPath(opts.path);
    this.cfs = opts.fs ?? nodeCgroupFs;
    this.controllers = V1_CONTROLLER_OPS.flatMap((ops) => {
      const root = opts.mounts[ops.name];
      return root === undefined ? [] : [{ ops, root, dir: join(root, this.path) }];
    });
  }

  /** The directory of `controller`, or undefined when it is not mounted. */
  dir(controller: V1Controller): string | undefined {
    return this.controllers.find((c) => c.ops.name === controller)?.dir;
  }

  /** Directories without duplicates: co-mounted controllers (cpu,cpuacct) share one. */
  private dirs(): string[] {
    return [...new Set(this.controllers.map((c) => c.dir))];
  }

  create(): void {
    for (const c of this.controllers) {
      if (c.ops.create) c.ops.create(this.cfs, c.root, this.path);
      else this.cfs.mkdir(c.dir);
    }
  }

  apply(resources: Resources): void {
    validateResources(resources);
    const mounted = new Set(this.controllers.map((c) => c.ops.name));
    for (const ops of V1_CONTROLLER_OPS) {
      const flag = ops.neededBy(resources);
      if (flag !== undefined && !mounted.has(ops.name)) throw new CgroupUnsupportedError(flag, `the ${ops.name} controller is not mounted`);
    }
    for (const c of this.controllers) c.ops.apply(this.cfs, c.dir, resources);
  }

  addProcess(pid: number): void {
    // cgroup.procs moves the whole thread group; tasks would move a single thread.
    for (const dir of this.dirs()) this.cfs.write(join(dir, 'cgroup.procs'), String(pid));
  }

  freeze(): Promise<void> {
    return setFreezerState(this.cfs, this.requireDir('freezer', 'pause'), 'FROZEN');
  }

  thaw(): Promise<void> {
    return setFreezerState(this.cfs, this.requireDir('freezer', 'unpause'), 'THAWED');
  }

  stats(): CgroupStats {
    const out: CgroupStats = { cpu: { usageNs: 0 }, memory: { usage: 0 }, pids: { current: 0 } };
    for (const c of this.controllers) c.ops.stats?.(this.cfs, c.dir, out);
    return out;
  }

  pids(): number[] {
    // Any joined controller lists the same processes; pids (or memory) is always there in practice.
    const dir = this.dir('pids') ?? this.dir('memory') ?? this.dirs()[0];
    return dir === undefined ? [] : parsePids(this.cfs.read(join(dir, 'cgroup.procs')));
  }

  async destroy(): Promise<void> {
    for (const dir of this.dirs()) await removeCgroupDir(this.cfs, dir);
  }

  private requireDir(controller: V1Controller, command: string): string {
    const dir = this.dir(controller);
    if (dir === undefined) throw new CgroupUnsupportedError(command, `the ${controller} controller is not mounted`);
    return dir;
  }
}
