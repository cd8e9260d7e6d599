/**
 * The contract every cgroup manager keeps, after youki's `CgroupManager` (libcgroups/src/common.rs):
 * the runtime drives one container's cgroup through it and never learns which hierarchy it uses.
 */
import type { Resources } from './resources';

/** Figures for `berth stats`. Absent fields are the ones this host's kernel does not report. */
export interface CgroupStats {
  cpu: {
    /** Total CPU time consumed, nanoseconds. */
    usageNs: number;
    userNs?: number;
    systemNs?: number;
    /** Per-CPU usage, nanoseconds (v1 cpuacct only). */
    perCpuNs?: number[];
    /** CFS throttling (cpu.stat), when a quota is set. */
    throttledPeriods?: number;
    throttledNs?: number;
  };
  memory: {
    /** Current usage, bytes (v1 includes page cache, as `docker stats` then subtracts it). */
    usage: number;
    /** Peak usage, bytes. */
    maxUsage?: number;
    /** The limit; undefined when unlimited. */
    limit?: number;
    /** Page cache (v1 `cache`, v2 `file`). */
    cache?: number;
    /** Anonymous memory (v1 `rss`, v2 `anon`). */
    rss?: number;
    /** Times the limit was hit (v1 failcnt, v2 memory.events `max`). */
    failcnt?: number;
    /** Processes killed by the OOM killer in this cgroup. */
    oomKill?: number;
  };
  pids: {
    current: number;
    /** Undefined when unlimited. */
    limit?: number;
  };
  /** Bytes read and written on block devices (v1 blkio.throttle.io_service_bytes, v2 io.stat). */
  io?: {
    readBytes: number;
    writeBytes: number;
  };
}

/**
 * One container's cgroup, in every controller of the host's hierarchy.
 *
 * The synchronous calls are plain cgroupfs writes, so the runtime can make them in the window between
 * spawning the init and releasing it (no user code before the limits apply). The asynchronous ones
 * wait for the kernel: a freeze completes in the background, and rmdir is EBUSY until the last task
 * is reaped.
 */
export interface CgroupManager {
  /** `v1` (one directory per controller) or `v2` (one unified directory). */
  readonly version: 'v1' | 'v2';
  /** Creates the cgroup directories (create-or-verify: existing ones are kept). */
  create(): void;
  /** Writes the limits. Call before the process runs user code. */
  apply(resources: Resources): void;
  /** Moves process `pid` (all its threads) into the cgroup. */
  addProcess(pid: number): void;
  /** Freezes every task; resolves once the kernel reports the cgroup frozen. */
  freeze(): Promise<void>;
  /** Thaws a frozen cgroup. */
  thaw(): Promise<void>;
  /** Current CPU, memory and pids figures. */
  stats(): CgroupStats;
  /** PIDs of the processes in the cgroup. */
  pids(): number[];
  /**
   * Removes the cgroup directories; missing ones are fine (idempotent). Killing and reaping the
   * tasks first is the caller's job; a brief EBUSY while they exit is retried.
   */
  destroy(): Promise<void>;
}

/**
 * Checks a cgroup path given relative to the hierarchy root ("berth/<id>"): no absolute path, no
 * "..", so a container name can never point a manager at another cgroup.
 * @throws Error when the path could escape.
 */
export function checkCgroupPath(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  if (path.startsWith('/') || parts.length === 0 || parts.some((p) => p === '.' || p === '..')) {
    throw new Error(`invalid cgroup path ${JSON.stringify(path)}: want a relative path such as "berth/<id>"`);
  }
  return parts.join('/');
}

/** Parses cgroup.procs / tasks: one PID a line. */
export function parsePids(text: string): number[] {
  return text.split('\n').filter((l) => l.trim() !== '').map(Number);
}
