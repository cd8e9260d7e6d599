import fs from 'node:fs';
import path from 'node:path';
import { CniCode, CniError } from '../cni';
import { fsyncDirectorySync, hasErrno, LockTimeoutError, withFileLock, makeDirs } from '../sys';
import { configError, dataDirError, ioError, show } from './errors';
import { createExclusive, readSmall, unlinkQuiet, writeFresh } from './disk-files';
import { formatIP, parseIP, type IP } from '../ip';
import { CNI_NAME, DEFAULT_IPAM_DATA_DIR } from '../paths';
import type { Lease, Store, StoreSession } from './store';

/** The reference's separator between container ID and ifname inside a lease file. */
const LINE_BREAK = '\r\n';
const LAST_IP_PREFIX = 'last_reserved_ip.';
/**
 * Our scratch files. The leading dot keeps them from parsing as an address (the reference reads
 * only files named like IPs as leases); they exist only while the lock is held, so one seen by a
 * lock holder was left by a killed process and is removed.
 */
const TMP_PREFIX = '.berth-tmp.';

/** Options of a DiskStore. */
export interface DiskStoreOptions {
  /** The network name: the store's directory under dataDir. */
  network: string;
  /** Default /var/lib/cni/networks. */
  dataDir?: string;
  /** How long to wait for the lock before failing with code 11 (default 60 s). */
  lockTimeoutMs?: number;
  /**
   * fsync a new lease before it is reported (default false). A power cut kills every container of the
   * host with it, and each is ADDed again after the reboot, so a lease lost that way is never in use;
   * SIGKILL consistency needs no fsync at all (the page cache survives the process). The reference
   * does not fsync either. The fsyncs cost 5-30 ms per ADD on a VM disk.
   */
  durable?: boolean;
}

/**
 * The reference host-local's on-disk store, file for file: `<dataDir>/<network>/<ip>` holding
 * `<containerID>\r\n<ifname>` (mode 0600), `last_reserved_ip.<set index>`, and `lock`, flock(2)ed
 * exclusively around every operation. The reference plugin and this one can share a directory.
 *
 * Crash consistency (a SIGKILL at any instant; with `durable`, also a power cut after ADD answered):
 * - a lease is written to a scratch file (fsynced when durable), then hard-linked to its address name.
 *   link(2) fails with EEXIST when the name exists, so it is as exclusive as the reference's O_EXCL
 *   create, and the name never appears without its content: no empty lease that nobody can release.
 *   When durable, the directory is fsynced before reserve() returns.
 * - the round-robin cursor is replaced by rename(2), so it is never seen half-written; it is a hint,
 *   so it is not fsynced: losing it only restarts the scan, it cannot hand out a leased address.
 * - a release is one unlink(2). If it is lost to a power cut the address stays leased until GC:
 *   a leak, never a double allocation.
 */
export class DiskStore implements Store {
  /** `<dataDir>/<network>`. */
  readonly dir: string;
  readonly #dataDir: string;
  readonly #lockTimeoutMs: number;
  readonly #durable: boolean;

  constructor(opts: DiskStoreOptions) {
    validateNetworkName(opts.network, '/name');
    const dataDir = opts.dataDir === undefined || opts.dataDir === '' ? DEFAULT_IPAM_DATA_DIR : opts.dataDir;
    if (typeof dataDir !== 'string' || dataDir.includes('\0')) {
      throw configError('/ipam/dataDir', `must be a path without NUL bytes, got ${show(dataDir)}`);
    }
    this.#dataDir = dataDir;
    this.dir = path.join(dataDir, opts.network);
    this.#lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
    this.#durable = opts.durable ?? false;
  }

  exists(): boolean {
    return fs.existsSync(this.dir);
  }

  /**
   * Runs `fn` holding the store's lock (lib/sys/file-lock: polled, never blocking the event loop of
   * a plugin running the allocator in-process). Still held after the timeout: code 11, try again.
   * A lock file that cannot be opened or flocked fails at once (never polled): code 7 naming
   * `ipam.dataDir` when the errno says the path cannot hold a store, else code 5.
   */
  async withLock<T>(fn: (session: StoreSession) => T | Promise<T>): Promise<T> {
    this.#ensureDir();
    const lockPath = path.join(this.dir, 'lock');
    let inside = false;
    try {
      return await withFileLock(lockPath, { timeoutMs: this.#lockTimeoutMs, maxDelayMs: 4 }, () => {
        inside = true;
        return fn(new DiskSession(this.dir, this.#durable));
      });
    } catch (err) {
      if (inside) throw err;
      if (err instanceof LockTimeoutError) {
        throw new CniError(CniCode.TryAgainLater, `failed to lock ${lockPath}: still held by another process after ${this.#lockTimeoutMs} ms`);
      }
      throw dataDirError(this.#dataDir, `failed to lock ${lockPath}`, err);
    }
  }

  #ensureDir(): void {
    try {
      // Not mkdirSync's `recursive`: it never returns under /proc (lib/sys/make-dirs).
      const created = makeDirs(this.dir, 0o755);
      // A new directory's name lives in its parent: persist it, or its leases could vanish with it.
      if (created !== undefined && this.#durable) {
        fsyncDirectorySync(path.dirname(created));
        if (created !== this.dir) fsyncDirectorySync(path.dirname(this.dir));
      }
    } catch (err) {
      throw dataDirError(this.#dataDir, `failed to create ${this.dir}`, err);
    }
  }
}

/** Throws code 7 unless `name` is a valid CNI network name (so it cannot leave dataDir). */
export function validateNetworkName(name: unknown, field: string): asserts name is string {
  if (typeof name !== 'string' || !CNI_NAME.test(name)) {
    throw configError(field, `invalid network name ${show(name)}: must match ${CNI_NAME.source}`);
  }
}

class DiskSession implements StoreSession {
  readonly #dir: string;
  readonly #durable: boolean;

  constructor(dir: string, durable: boolean) {
    this.#dir = dir;
    this.#durable = durable;
  }

  leases(): Lease[] {
    const out: Lease[] = [];
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(this.#dir, { withFileTypes: true });
    } catch (err) {
      throw ioError(`failed to list ${this.#dir}`, err);
    }
    for (const e of entries) {
      if (e.isFile() && e.name.startsWith(TMP_PREFIX)) {
        unlinkQuiet(path.join(this.#dir, e.name));
        continue;
      }
      const ip = parseIP(e.name);
      if (ip === undefined) continue;
      // Named like an address but not a lease file: the name is taken all the same (reserve's link(2)
      // would fail on it), so it is listed as held rather than skipped as free.
      if (!e.isFile()) {
        out.push({ ip, containerID: '', ifname: undefined, foreign: kindOf(e) });
        continue;
      }
      let text: string | undefined;
      try {
        text = readSmall(path.join(this.#dir, e.name));
      } catch (err) {
        throw ioError(`failed to read lease ${e.name}`, err);
      }
      if (text !== undefined) out.push(parseLease(ip, text));
    }
    return out;
  }

  reserve(ip: IP, containerID: string, ifname: string): boolean {
    const name = path.join(this.#dir, formatIP(ip));
    const tmp = path.join(this.#dir, `${TMP_PREFIX}lease`);
    const content = `${containerID.trim()}${LINE_BREAK}${ifname}`;
    try {
      writeFresh(tmp, content, this.#durable);
      try {
        fs.linkSync(tmp, name);
      } catch (err) {
        if (hasErrno(err, 'EEXIST')) return false;
        if (!hasErrno(err, 'EPERM') && !hasErrno(err, 'ENOTSUP') && !hasErrno(err, 'EOPNOTSUPP')) throw err;
        // A filesystem without hard links: fall back to the reference's O_EXCL create.
        if (!createExclusive(name, content, this.#durable)) return false;
      } finally {
        unlinkQuiet(tmp);
      }
      if (this.#durable) fsyncDirectorySync(this.#dir);
      return true;
    } catch (err) {
      throw ioError(`failed to reserve ${formatIP(ip)} in ${this.#dir}`, err);
    }
  }

  release(ip: IP): void {
    try {
      fs.unlinkSync(path.join(this.#dir, formatIP(ip)));
    } catch (err) {
      if (!hasErrno(err, 'ENOENT')) throw ioError(`failed to release ${formatIP(ip)} in ${this.#dir}`, err);
    }
  }

  lastReserved(index: number): IP | undefined {
    try {
      return parseIP(fs.readFileSync(path.join(this.#dir, `${LAST_IP_PREFIX}${index}`), 'utf8').trim());
    } catch {
      // Unreadable or missing: round-robin restarts at the first range, as in the reference.
      return undefined;
    }
  }

  setLastReserved(index: number, ip: IP): void {
    const name = `${LAST_IP_PREFIX}${index}`;
    const tmp = path.join(this.#dir, `${TMP_PREFIX}${name}`);
    try {
      writeFresh(tmp, formatIP(ip), false);
      fs.renameSync(tmp, path.join(this.#dir, name));
    } catch (err) {
      unlinkQuiet(tmp);
      throw ioError(`failed to write ${name} in ${this.#dir}`, err);
    }
  }
}

/** What a non-file directory entry is, for the lease that stands for it. */
function kindOf(e: fs.Dirent): string {
  if (e.isDirectory()) return 'a directory';
  if (e.isSymbolicLink()) return 'a symbolic link';
  if (e.isSocket()) return 'a socket';
  if (e.isFIFO()) return 'a FIFO';
  return 'a device or unknown entry';
}

/**
 * Reads a lease file the way the reference matches it: surrounding whitespace is ignored, and a file
 * without the `\r\n` separator is a legacy lease holding the container ID alone.
 */
export function parseLease(ip: IP, text: string): Lease {
  const s = text.trim();
  const sep = s.indexOf(LINE_BREAK);
  if (sep < 0) return { ip, containerID: s, ifname: undefined };
  return { ip, containerID: s.slice(0, sep), ifname: s.slice(sep + LINE_BREAK.length) };
}
