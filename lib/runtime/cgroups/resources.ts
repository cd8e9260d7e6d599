/**
 * The resource limits of one container, independent of the cgroup version, and their validation.
 * Field names follow Docker's `HostConfig` and the flags they come from; values are the kernel's units
 * (bytes, microseconds, shares), so the managers only choose files and spell values.
 */
import { ResourceError } from './errors';

/** A bandwidth limit on one block device (`--device-read-bps /dev/sda:1mb` once resolved to major:minor). */
export interface ThrottleDevice {
  major: number;
  minor: number;
  /** Bytes per second. */
  rate: number;
}

/** One line of the devices allow list, as the v1 `devices.allow` file spells it ("c 1:3 rwm"). */
export interface DeviceRule {
  /** `a` all, `b` block, `c` char. */
  type: 'a' | 'b' | 'c';
  /** Device number, or `'*'` for any. */
  major: number | '*';
  minor: number | '*';
  /** A non-empty subset of "rwm": read, write, mknod. */
  access: string;
}

/** A CFS bandwidth limit: `quota` µs of CPU time per `period` µs; quota -1 means unlimited. */
export interface CpuQuota {
  quota: number;
  period: number;
}

/** An entry of net_prio.ifpriomap: traffic of the cgroup leaving `ifname` gets `priority`. */
export interface IfPriority {
  ifname: string;
  priority: number;
}

/**
 * Resource limits. Every field is optional: an absent field leaves the kernel's value alone.
 */
export interface Resources {
  /** `--memory`: bytes; -1 unlimited. */
  memory?: number;
  /** `--memory-swap`: memory plus swap, bytes (Docker's meaning, not v2's swap-only); -1 unlimited. */
  memorySwap?: number;
  /** `--cpus`, already turned into quota/period by {@link cpusToQuota}. */
  cpus?: CpuQuota;
  /** `--cpu-shares`: relative weight, 2..262144 (1024 is the default). */
  cpuShares?: number;
  /** `--cpuset-cpus`: a cpu list such as "0-2,4". */
  cpusetCpus?: string;
  /** `--cpuset-mems`: a NUMA node list. */
  cpusetMems?: string;
  /** `--pids-limit`: 0 or a negative value means unlimited, as in Docker. */
  pidsLimit?: number;
  /** `--blkio-weight`: 10..1000; 0 means unset, as in Docker. */
  blkioWeight?: number;
  /** `--device-read-bps`. */
  deviceReadBps?: ThrottleDevice[];
  /** `--device-write-bps`. */
  deviceWriteBps?: ThrottleDevice[];
  /** The devices allow list: everything else is denied when present. */
  devices?: DeviceRule[];
  /** net_cls.classid (v1 only): tc/iptables can match the cgroup's packets by it. */
  netClsClassid?: number;
  /** net_prio.ifpriomap (v1 only). */
  netPrioIfpriomap?: IfPriority[];
}

/** Docker's `linuxMinMemory`: a smaller limit cannot even start a process. */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** The kernel's CFS default period (µs), which `--cpus` uses. */
export const DEFAULT_CPU_PERIOD = 100_000;

// Docker's cpuset syntax check: comma-separated numbers or ranges.
const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;
const IFNAME = /^[^\s/]{1,15}$/;

/**
 * Turns `--cpus 1.5` into a CFS quota over the default period, as Docker's NanoCPUs do.
 * @throws ResourceError when the value is not a number above zero.
 */
export function cpusToQuota(cpus: number, period = DEFAULT_CPU_PERIOD): CpuQuota {
  if (!Number.isFinite(cpus) || cpus <= 0) throw new ResourceError('--cpus', `${cpus}: the number of CPUs must be greater than 0`);
  // The kernel refuses quotas under 1ms; Docker's 0.01 minimum gives exactly that.
  return { quota: Math.max(1000, Math.round(cpus * period)), period };
}

/**
 * Checks a {@link Resources} value the way Docker's daemon does before it reaches the kernel, so the
 * user sees which flag is wrong rather than an EINVAL from a control file.
 * @throws ResourceError naming the first offending flag.
 */
export function validateResources(r: Resources): void {
  const int = (flag: string, v: number): void => {
    if (!Number.isSafeInteger(v)) throw new ResourceError(flag, `${v} is not an integer`);
  };
  if (r.memory !== undefined) {
    int('--memory', r.memory);
    if (r.memory !== -1 && r.memory < MIN_MEMORY) throw new ResourceError('--memory', 'Minimum memory limit allowed is 6MB');
  }
  if (r.memorySwap !== undefined && r.memorySwap !== -1) {
    int('--memory-swap', r.memorySwap);
    if (r.memory === undefined || r.memory === -1) {
      throw new ResourceError('--memory-swap', 'You should always set the Memory limit when using Memoryswap limit, see usage');
    }
    if (r.memorySwap < r.memory) {
      throw new ResourceError('--memory-swap', 'Minimum memoryswap limit should be larger than memory limit, see usage');
    }
  }
  if (r.cpus !== undefined) {
    const { quota, period } = r.cpus;
    int('--cpus', quota);
    int('--cpus', period);
    if (quota !== -1 && quota <= 0) throw new ResourceError('--cpus', 'the number of CPUs must be greater than 0');
    if (quota !== -1 && quota < 1000) throw new ResourceError('--cpus', 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    if (period < 1000 || period > 1_000_000) throw new ResourceError('--cpu-period', 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (r.cpuShares !== undefined) {
    int('--cpu-shares', r.cpuShares);
    // The kernel clamps 0 and 1 up to 2 silently; refusing keeps `berth inspect` honest.
    if (r.cpuShares < 2 || r.cpuShares > 262144) throw new ResourceError('--cpu-shares', `${r.cpuShares}: range of CPU shares is from 2 to 262144`);
  }
  if (r.cpusetCpus !== undefined && !CPU_LIST.test(r.cpusetCpus)) {
    throw new ResourceError('--cpuset-cpus', `Invalid value ${r.cpusetCpus} for cpuset cpus`);
  }
  if (r.cpusetMems !== undefined && !CPU_LIST.test(r.cpusetMems)) {
    throw new ResourceError('--cpuset-mems', `Invalid value ${r.cpusetMems} for cpuset mems`);
  }
  if (r.pidsLimit !== undefined) int('--pids-limit', r.pidsLimit);
  if (r.blkioWeight !== undefined) {
    int('--blkio-weight', r.blkioWeight);
    if (r.blkioWeight !== 0 && (r.blkioWeight < 10 || r.blkioWeight > 1000)) {
      throw new ResourceError('--blkio-weight', 'Range of blkio weight is from 10 to 1000');
    }
  }
  for (const [flag, list] of [['--device-read-bps', r.deviceReadBps], ['--device-write-bps', r.deviceWriteBps]] as const) {
    for (const d of list ?? []) {
      int(flag, d.major);
      int(flag, d.minor);
      int(flag, d.rate);
      if (d.major < 0 || d.minor < 0 || d.rate < 0) throw new ResourceError(flag, `${d.major}:${d.minor} ${d.rate}: values must not be negative`);
    }
  }
  for (const d of r.devices ?? []) {
    if (!/^[rwm]{1,3}$/.test(d.access) || new Set(d.access).size !== d.access.length) {
      throw new ResourceError('--device-cgroup-rule', `invalid access "${d.access}" (a subset of rwm)`);
    }
    for (const n of [d.major, d.minor]) {
      if (n !== '*' && (!Number.isSafeInteger(n) || n < 0)) throw new ResourceError('--device-cgroup-rule', `invalid device number ${n}`);
    }
  }
  if (r.netClsClassid !== undefined) {
    int('--net-cls-classid', r.netClsClassid);
    if (r.netClsClassid < 0 || r.netClsClassid > 0xffffffff) throw new ResourceError('--net-cls-classid', 'must fit in 32 bits (0xAAAABBBB)');
  }
  for (const p of r.netPrioIfpriomap ?? []) {
    if (!IFNAME.test(p.ifname)) throw new ResourceError('--net-prio', `invalid interface name "${p.ifname}"`);
    int('--net-prio', p.priority);
    if (p.priority < 0) throw new ResourceError('--net-prio', `priority ${p.priority} must not be negative`);
  }
}

/** Spells a device rule as v1's devices.allow/devices.list do: "c 1:3 rwm". */
export function formatDeviceRule(d: DeviceRule): string {
  return `${d.type} ${d.major}:${d.minor} ${d.access}`;
}

/**
 * runc's default allow list (specconv AllowedDevices): mknod of anything, and read/write of the
 * harmless character devices a minimal /dev holds.
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { type: 'c', major: '*', minor: '*', access: 'm' },
  { type: 'b', major: '*', minor: '*', access: 'm' },
  { type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { type: 'c', major: 136, minor: '*', access: 'rwm' }, // /dev/pts/*
  { type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { type: 'c', major: 10, minor: 200, access: 'rwm' }, // tun
];
