/**
 * The persistence seam of the cgroup managers (STYLE point 3): every read, write, mkdir and rmdir goes
 * through a {@link CgroupFs}, so the policy (which file gets which value, in which order) is unit
 * tested on a temp directory tree and the kernel is only needed by the integration tests.
 */
import * as fs from 'node:fs';
import { CgroupError } from './errors';
import { makeDirs } from '../../sys';

/** The few filesystem operations a cgroup manager needs. Paths are absolute. */
export interface CgroupFs {
  /** Creates `path` and its missing parents; an existing directory is fine. */
  mkdir(path: string): void;
  /** Removes one directory (cgroupfs allows rmdir of a cgroup whose only entries are control files). */
  rmdir(path: string): void;
  /** Writes `data` into a control file in one write(2): the kernel parses each write on its own. */
  write(path: string, data: string): void;
  /** Reads a whole control file. */
  read(path: string): string;
  /** True when `path` exists. */
  exists(path: string): boolean;
}

/** The real filesystem. Errors become {@link CgroupError}s naming the file and the value. */
export const nodeCgroupFs: CgroupFs = {
  mkdir(path) {
    try {
      makeDirs(path);
    } catch (err) {
      throw new CgroupError('mkdir', path, '', err);
    }
  },
  rmdir(path) {
    try {
      fs.rmdirSync(path);
    } catch (err) {
      throw new CgroupError('rmdir', path, '', err);
    }
  },
  write(path, data) {
    try {
      // The flag 'w' (O_TRUNC) is harmless on cgroupfs and lets the same code write fixture files.
      fs.writeFileSync(path, data);
    } catch (err) {
      throw new CgroupError('write', path, JSON.stringify(data), err);
    }
  },
  read(path) {
    try {
      return fs.readFileSync(path, 'utf8');
    } catch (err) {
      throw new CgroupError('read', path, '', err);
    }
  },
  exists(path) {
    return fs.existsSync(path);
  },
};

/** Parses a control file holding one integer; "max" (v2) and v1's near-2^63 "unlimited" give undefined. */
export function parseLimit(text: string): number | undefined {
  const t = text.trim();
  if (t === 'max' || t === '' || t === '-1') return undefined;
  const n = Number(t);
  // v1 reports "no limit" as PAGE_COUNTER_MAX * PAGE_SIZE (9223372036854771712), beyond 2^62.
  return Number.isFinite(n) && n < 2 ** 62 ? n : undefined;
}

/** Parses "key value" lines (memory.stat, cpu.stat, cpuacct.stat, memory.events) into a map. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** Reads a file if it exists: many stats files depend on kernel config (swap accounting, psi). */
export function readOptional(cfs: CgroupFs, path: string): string | undefined {
  return cfs.exists(path) ? cfs.read(path) : undefined;
}

/** Waits `ms` milliseconds; used between freezer polls and EBUSY retries. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
