/**
 * The embedded overlay store: one JSON file shared by every berthd on a machine (one host, or several
 * simulated hosts in tests). Writers take an flock on `<path>.lock` and replace the file by rename;
 * readers never lock. See {@link FileDocument} for the format.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LeaseAttrs, OverlayConfig } from '../types';
import type { LeaseSnapshot, SubnetStore, Watch, WatchHandlers } from '../store';
import { emptyDocument, formatDocument, liveLeases, networkOf, parseDocument, putLease, reapExpired, removeLease, type FileDocument } from './file-document';
import { withFileLock } from './file-lock';
import { FileWatch } from './file-watch';
import { canonicalSubnet, checkNetworkName } from './keys';
import { checkTtl, parseLeaseAttrs } from './lease-attrs';
import { StoreError } from './store-error';
import { WatchRegistry } from './watch-plumbing';
import { makeDirsAsync, sweepTempFiles, writeFileDurable } from '../../sys';

/** Options of a {@link FileStore}. */
export interface FileStoreOptions {
  /** The JSON document; its directory is created when missing. The lock is `<path>.lock`. */
  path: string;
  /** Interval of the watches' fallback poll and expiry check, ms (default 250). */
  pollMs?: number;
  /** How many recent events the file keeps for watches (default 1000); a watch further behind resyncs. */
  maxEvents?: number;
  /** How long a write waits for the lock before failing (default 30 s). */
  lockTimeoutMs?: number;
}

/**
 * {@link SubnetStore} on a JSON file. Every write reads the document under the lock, first deletes the
 * leases that have expired (logging their 'removed' events), applies its change, and writes the file
 * back atomically, so the file is valid JSON at every instant, even when a writer is SIGKILLed.
 *
 * A lease is ours to renew when its PublicIP is ours (flannel's identity of a node): a renewal of a
 * subnet that another node took after our lease expired fails rather than stealing it back. A lease
 * stored without expiresAt (an operator's reservation) never expires, and renewing it keeps it so.
 */
export class FileStore implements SubnetStore {
  /** The JSON document. */
  readonly path: string;
  readonly #pollMs: number;
  readonly #maxEvents: number;
  readonly #lockTimeoutMs: number;
  readonly #watches = new WatchRegistry();
  /** Whether this store swept the temp files of earlier versions yet (see sweepLegacyTempFiles). */
  #legacySwept = false;

  constructor(opts: FileStoreOptions) {
    if (typeof opts?.path !== 'string' || opts.path === '' || opts.path.includes('\0')) {
      throw new TypeError(`file store path: ${JSON.stringify(opts?.path)} is not a file path`);
    }
    this.path = path.resolve(opts.path);
    this.#pollMs = positive(opts.pollMs, 250, 'pollMs');
    this.#maxEvents = positive(opts.maxEvents, 1000, 'maxEvents');
    if (!Number.isInteger(this.#maxEvents)) throw new TypeError(`file store maxEvents: ${this.#maxEvents} is not an integer`);
    this.#lockTimeoutMs = positive(opts.lockTimeoutMs, 30_000, 'lockTimeoutMs');
  }

  async getConfig(network: string): Promise<OverlayConfig | undefined> {
    checkNetworkName(network);
    return (await this.#read('getConfig', network)).networks[network]?.config;
  }

  async listConfigs(): Promise<ReadonlyMap<string, OverlayConfig | undefined>> {
    const doc = await this.#read('listConfigs');
    const out = new Map<string, OverlayConfig>();
    for (const [name, net] of Object.entries(doc.networks)) if (net.config !== undefined) out.set(name, net.config);
    return out;
  }

  async putConfigIfAbsent(network: string, config: OverlayConfig): Promise<OverlayConfig> {
    checkNetworkName(network);
    return this.#write('putConfigIfAbsent', network, (doc) => {
      const net = networkOf(doc, network);
      if (net.config !== undefined) return net.config;
      net.config = config;
      doc.revision += 1;
      return config;
    });
  }

  async listLeases(network: string): Promise<LeaseSnapshot> {
    checkNetworkName(network);
    const doc = await this.#read('listLeases', network);
    return { leases: liveLeases(doc, network, Date.now()), revision: doc.revision };
  }

  async createLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number): Promise<boolean> {
    checkNetworkName(network);
    const key = canonicalSubnet(subnet);
    const value = parseLeaseAttrs(attrs);
    checkTtl(ttlMs);
    return this.#write('createLease', network, (doc, now) => {
      // Expired leases were reaped before this runs, so a present lease is a live one.
      if (doc.networks[network]?.leases[key] !== undefined) return false;
      putLease(doc, network, key, { attrs: value, expiresAt: now + ttlMs }, this.#maxEvents);
      return true;
    });
  }

  async renewLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number): Promise<boolean> {
    checkNetworkName(network);
    const key = canonicalSubnet(subnet);
    const value = parseLeaseAttrs(attrs);
    checkTtl(ttlMs);
    return this.#write('renewLease', network, (doc, now) => {
      const held = doc.networks[network]?.leases[key];
      if (held === undefined || held.attrs.PublicIP !== value.PublicIP) return false;
      // A reservation (no expiry, written by an operator) stays one, as in flannel.
      putLease(doc, network, key, held.expiresAt === undefined ? { attrs: value } : { attrs: value, expiresAt: now + ttlMs }, this.#maxEvents);
      return true;
    });
  }

  async deleteLease(network: string, subnet: string): Promise<void> {
    checkNetworkName(network);
    const key = canonicalSubnet(subnet);
    await this.#write('deleteLease', network, (doc) => removeLease(doc, network, key, this.#maxEvents));
  }

  async watchLeases(network: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    checkNetworkName(network);
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) throw new TypeError(`watch fromRevision: ${JSON.stringify(fromRevision)} is not a revision`);
    // fs.watch needs the directory to exist before the first write creates the file.
    await this.#ensureDir('watchLeases', network);
    const source = {
      path: this.path,
      pollMs: this.#pollMs,
      read: () => this.#read('watchLeases', network),
      reap: () => this.#write('reap', network, () => undefined),
    };
    const watch = new FileWatch(source, network, fromRevision, handlers);
    return this.#watches.track(watch);
  }

  async close(): Promise<void> {
    await this.#watches.cancelAll();
  }

  /** The document as it is now, read without the lock (rename makes every read whole). */
  async #read(op: string, network?: string): Promise<FileDocument> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyDocument();
      throw new StoreError(op, 'cannot read the store file', { network, where: this.path, cause: err });
    }
    try {
      return parseDocument(text);
    } catch (err) {
      throw new StoreError(op, 'the store file is corrupt', { network, where: this.path, cause: err });
    }
  }

  /**
   * Read-modify-write under the lock. Expired leases are deleted first, so `fn` sees only live ones;
   * the file is written only when the revision moved (a change happened).
   */
  async #write<T>(op: string, network: string, fn: (doc: FileDocument, now: number) => T): Promise<T> {
    await this.#ensureDir(op, network);
    return withFileLock(`${this.path}.lock`, this.#lockTimeoutMs, async () => {
      const doc = await this.#read(op, network);
      const before = doc.revision;
      const now = Date.now();
      reapExpired(doc, now, this.#maxEvents);
      const result = fn(doc, now);
      if (doc.revision !== before) {
        try {
          // Under the lock every other temp file is a dead writer's (writers hold it), so it may go.
          await sweepTempFiles(this.path);
          if (!this.#legacySwept) {
            await sweepLegacyTempFiles(this.path);
            this.#legacySwept = true;
          }
          await writeFileDurable(this.path, formatDocument(doc));
        } catch (err) {
          throw new StoreError(op, 'cannot write the store file', { network, where: this.path, cause: err });
        }
      }
      return result;
    });
  }

  async #ensureDir(op: string, network: string): Promise<void> {
    try {
      await makeDirsAsync(path.dirname(this.path), 0o700);
    } catch (err) {
      throw new StoreError(op, 'cannot create the store directory', { network, where: path.dirname(this.path), cause: err });
    }
  }
}

/**
 * Removes the temp files that writers of versions before lib/sys/durable-file left when killed
 * mid-write: `<name>.tmp-<pid>-<n>`, without the leading dot. Call it holding the lock. Once per
 * store is enough: this version never makes such names, and an older writer sweeps its own.
 */
async function sweepLegacyTempFiles(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.tmp-`;
  for (const name of await fs.promises.readdir(dir)) {
    if (name.startsWith(prefix)) await fs.promises.rm(path.join(dir, name), { force: true });
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`file store ${name}: ${JSON.stringify(value)} is not a positive number`);
  return value;
}
