/**
 * The cgroup v2 manager: one directory in the unified hierarchy. Controllers must be enabled in every
 * ancestor's cgroup.subtree_control before the leaf has their files (the no-internal-process rule
 * means only ancestors, never the leaf, enable them).
 */
import { join } from 'node:path';
import { type CgroupFs, nodeCgroupFs, parseLimit, readOptional } from '../fs';
import { CgroupUnsupportedError } from '../errors';
import { type CgroupManager, type CgroupStats, checkCgroupPath, parsePids } from '../manager';
import { type Resources, validateResources } from '../resources';
import { removeCgroupDir } from '../destroy';
import { pidsMaxValue } from '../convert';
import { applyMemory, memoryStats } from './memory';
import { applyCpu, cpuStats } from './cpu';
import { applyIo, parseIoStat } from './io';
import { setFrozen } from './freezer';

/** The controllers a container's cgroup wants, when the host offers them. */
export const V2_CONTROLLERS = ['cpu', 'cpuset', 'io', 'memory', 'pids'] as const;

/** Options of {@link V2CgroupManager}. */
export interface V2ManagerOptions {
  /** The cgroup path relative to the unified root, e.g. "berth/<container id>". */
  path: string;
  /** The cgroup2 mount point; /sys/fs/cgroup by default. */
  root?: string;
  /** The filesystem seam; tests pass one rooted in a temp directory. */
  fs?: CgroupFs;
}

/** A container's cgroup on a unified (v2) host. */
export class V2CgroupManager implements CgroupManager {
  readonly version = 'v2';
  readonly path: string;
  /** The container's cgroup directory. */
  readonly dir: string;
  private readonly root: string;
  private readonly cfs: CgroupFs;

  constructor(opts: V2ManagerOptions) {
    this.path = checkCgroupPath(opts.path);
    this.root = opts.root ?? '/sys/fs/cgroup';
    this.cfs = opts.fs ?? nodeCgroupFs;
    this.dir = join(this.root, this.path);
  }

  create(): void {
    // Walk down from the root: enable what the level offers in its subtree_control, then make the
    // child. A level we just created lists in cgroup.controllers what its parent enabled.
    let dir = this.root;
    let offered = this.controllers(dir, V2_CONTROLLERS);
    for (const part of this.path.split('/')) {
      const wanted = V2_CONTROLLERS.filter((c) => offered.includes(c));
      if (wanted.length > 0) this.cfs.write(join(dir, 'cgroup.subtree_control'), wanted.map((c) => `+${c}`).join(' '));
      dir = join(dir, part);
      this.cfs.mkdir(dir);
      offered = this.controllers(dir, wanted);
    }
  }

  apply(resources: Resources): void {
    validateResources(resources);
    // These have no v2 file: devices need a BPF_PROG_TYPE_CGROUP_DEVICE program, and net_cls/net_prio
    // were replaced by matching the cgroup path in nftables/eBPF.
    if (resources.devices !== undefined) throw new CgroupUnsupportedError('--device-cgroup-rule', 'cgroup v2 device rules need an eBPF program, not implemented');
    if (resources.netClsClassid !== undefined) throw new CgroupUnsupportedError('--net-cls-classid', 'cgroup v2 has no net_cls controller');
    if (resources.netPrioIfpriomap?.length) throw new CgroupUnsupportedError('--net-prio', 'cgroup v2 has no net_prio controller');
    applyMemory(this.cfs, this.dir, resources);
    applyCpu(this.cfs, this.dir, resources);
    if (resources.pidsLimit !== undefined) this.cfs.write(join(this.dir, 'pids.max'), pidsMaxValue(resources.pidsLimit));
    applyIo(this.cfs, this.dir, resources);
  }

  addProcess(pid: number): void {
    this.cfs.write(join(this.dir, 'cgroup.procs'), String(pid));
  }

  freeze(): Promise<void> {
    return setFrozen(this.cfs, this.dir, true);
  }

  thaw(): Promise<void> {
    return setFrozen(this.cfs, this.dir, false);
  }

  stats(): CgroupStats {
    const out: CgroupStats = { cpu: { usageNs: 0 }, memory: { usage: 0 }, pids: { current: 0 } };
    cpuStats(this.cfs, this.dir, out);
    memoryStats(this.cfs, this.dir, out);
    out.pids.current = Number((readOptional(this.cfs, join(this.dir, 'pids.current')) ?? '0').trim());
    const max = readOptional(this.cfs, join(this.dir, 'pids.max'));
    out.pids.limit = max === undefined ? undefined : parseLimit(max);
    const io = readOptional(this.cfs, join(this.dir, 'io.stat'));
    if (io !== undefined) out.io = parseIoStat(io);
    return out;
  }

  pids(): number[] {
    return parsePids(this.cfs.read(join(this.dir, 'cgroup.procs')));
  }

  destroy(): Promise<void> {
    return removeCgroupDir(this.cfs, this.dir);
  }

  // The controllers `dir` offers to its children; `fallback` when it has no cgroup.controllers file
  // (a fixture tree, where nobody fills it in as the kernel does).
  private controllers(dir: string, fallback: readonly string[]): string[] {
    const text = readOptional(this.cfs, join(dir, 'cgroup.controllers'));
    return text === undefined ? [...fallback] : text.trim().split(/\s+/).filter(Boolean);
  }
}
