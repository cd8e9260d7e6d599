/**
 * Named volumes in Docker's local-driver layout: `<root>/volumes/<name>/_data` holds the data and
 * `<root>/volumes/<name>/opts.json` what `volume inspect` reports. Docker keeps that metadata in a
 * bolt db; one small JSON per volume is enough here and keeps each volume self-contained, so a
 * half-written volume can never be half-listed.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BERTH_ROOT } from '../../paths';
import { RuntimeError } from '../errors';
import { VOLUME_NAME, invalidVolumeName } from './mount-spec';
import { makeDirsAsync } from '../../sys';

/** Docker's label marking a volume created for an anonymous mount (what `volume prune` collects). */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

/** `docker volume inspect` shape for one volume. */
export interface VolumeInfo {
  readonly CreatedAt: string;
  readonly Driver: 'local';
  readonly Labels: Readonly<Record<string, string>>;
  readonly Mountpoint: string;
  readonly Name: string;
  readonly Options: Readonly<Record<string, string>>;
  readonly Scope: 'local';
}

/** A volume operation refused, with Docker's message. */
export class VolumeError extends RuntimeError<'invalid' | 'not-found' | 'in-use'> {
  constructor(message: string, kind: VolumeError['kind']) {
    super(message, kind);
    this.name = 'VolumeError';
  }
}

/** What the store needs from the outside, injectable for tests. */
export interface VolumeStoreOptions {
  /** State root; volumes live under `<root>/volumes`. */
  readonly root?: string;
  /** IDs of the containers using `name`; a non-empty answer makes `remove` refuse. */
  readonly usedBy?: (name: string) => readonly string[];
  /** Clock for CreatedAt. */
  readonly now?: () => Date;
}

/** Options of `create`. */
export interface CreateVolumeOptions {
  readonly labels?: Readonly<Record<string, string>>;
  readonly options?: Readonly<Record<string, string>>;
}

/** Result of `prune`, shaped like Docker's API answer. */
export interface PruneReport {
  readonly VolumesDeleted: readonly string[];
}

const META = 'opts.json';
/** Temp entries start with a dot, which a valid volume name cannot: listings skip them for free. */
const TEMP_PREFIX = '.tmp-';
/** A temp entry older than this is a crash's leftover, not a create still in flight. */
const STALE_TEMP_MS = 10 * 60 * 1000;

/** Throws Docker's error unless `name` is a valid local volume name. */
export function validateVolumeName(name: string): void {
  if (!VOLUME_NAME.test(name)) {
    throw new VolumeError(invalidVolumeName(name), 'invalid');
  }
}

/** Named volumes of the local driver. */
export class VolumeStore {
  /** `<root>/volumes`. */
  readonly dir: string;
  private readonly usedBy: (name: string) => readonly string[];
  private readonly now: () => Date;

  constructor(opts: VolumeStoreOptions = {}) {
    this.dir = join(opts.root ?? DEFAULT_BERTH_ROOT, 'volumes');
    this.usedBy = opts.usedBy ?? (() => []);
    this.now = opts.now ?? (() => new Date());
  }

  /** Host path of a volume's data: what a container mounts. */
  mountpoint(name: string): string {
    return join(this.dir, name, '_data');
  }

  /**
   * `docker volume create [NAME]`: idempotent, an existing volume is returned as it is (as Docker
   * does). Built in a temp dir and renamed into place, so a crash leaves either nothing or a whole
   * volume; a concurrent create of the same name loses the rename and returns the winner's volume.
   */
  async create(name?: string, opts: CreateVolumeOptions = {}): Promise<VolumeInfo> {
    const anonymous = name === undefined;
    const volName = name ?? randomBytes(32).toString('hex');
    validateVolumeName(volName);
    const existing = await this.tryInspect(volName);
    if (existing) return existing;
    await makeDirsAsync(this.dir);
    const temp = join(this.dir, `${TEMP_PREFIX}${volName}-${randomBytes(6).toString('hex')}`);
    const meta = {
      CreatedAt: this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Labels: { ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}), ...opts.labels },
      Options: { ...opts.options },
    };
    try {
      await makeDirsAsync(join(temp, '_data'), 0o755);
      await fs.writeFile(join(temp, META), `${JSON.stringify(meta)}\n`);
      await fs.rename(temp, join(this.dir, volName));
    } catch (err) {
      await fs.rm(temp, { recursive: true, force: true });
      // rename(2) onto a non-empty directory fails with ENOTEMPTY/EEXIST: someone else created it.
      const raced = await this.tryInspect(volName);
      if (raced) return raced;
      throw err;
    }
    return this.inspect(volName);
  }

  /** `docker volume inspect NAME`. */
  async inspect(name: string): Promise<VolumeInfo> {
    const info = await this.tryInspect(name);
    if (!info) throw new VolumeError(`get ${name}: no such volume`, 'not-found');
    return info;
  }

  /** `docker volume ls`, sorted by name. */
  async list(): Promise<VolumeInfo[]> {
    const entries = await fs.readdir(this.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const infos = await Promise.all(entries.filter((e) => VOLUME_NAME.test(e)).sort().map((e) => this.tryInspect(e)));
    return infos.filter((i): i is VolumeInfo => i !== undefined);
  }

  /**
   * `docker volume rm [-f] NAME`: refuses a volume in use even with force (Docker does too);
   * force only makes a missing volume a success.
   */
  async remove(name: string, opts: { force?: boolean } = {}): Promise<void> {
    validateVolumeName(name);
    if (!(await this.tryInspect(name))) {
      if (opts.force) return;
      throw new VolumeError(`get ${name}: no such volume`, 'not-found');
    }
    const users = this.usedBy(name);
    if (users.length > 0) throw new VolumeError(`remove ${name}: volume is in use - [${users.join(', ')}]`, 'in-use');
    // Rename first so a crash mid-delete leaves a dot entry (invisible, swept by prune), never a
    // volume whose _data is half gone.
    const doomed = join(this.dir, `${TEMP_PREFIX}rm-${name}-${randomBytes(6).toString('hex')}`);
    await fs.rename(join(this.dir, name), doomed);
    await fs.rm(doomed, { recursive: true, force: true });
  }

  /**
   * `docker volume prune [--all]`: removes unused volumes, only anonymous ones unless `all`
   * (Docker 23+ semantics), and sweeps temp entries left by a crash.
   */
  async prune(opts: { all?: boolean } = {}): Promise<PruneReport> {
    const deleted: string[] = [];
    for (const vol of await this.list()) {
      const eligible = opts.all === true || ANONYMOUS_LABEL in vol.Labels;
      if (!eligible || this.usedBy(vol.Name).length > 0) continue;
      await this.remove(vol.Name, { force: true });
      deleted.push(vol.Name);
    }
    await this.sweepTemps();
    return { VolumesDeleted: deleted };
  }

  /** Removes temp entries old enough that no live create or remove can still own them. */
  private async sweepTemps(): Promise<void> {
    const entries = await fs.readdir(this.dir).catch(() => [] as string[]);
    const cutoff = this.now().getTime() - STALE_TEMP_MS;
    for (const entry of entries.filter((e) => e.startsWith(TEMP_PREFIX))) {
      const path = join(this.dir, entry);
      const stat = await fs.stat(path).catch(() => undefined);
      if (stat && stat.mtimeMs < cutoff) await fs.rm(path, { recursive: true, force: true });
    }
  }

  private async tryInspect(name: string): Promise<VolumeInfo | undefined> {
    if (!VOLUME_NAME.test(name)) return undefined;
    let text: string;
    try {
      text = await fs.readFile(join(this.dir, name, META), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const meta = JSON.parse(text) as { CreatedAt: string; Labels: Record<string, string>; Options: Record<string, string> };
    return { CreatedAt: meta.CreatedAt, Driver: 'local', Labels: meta.Labels, Mountpoint: this.mountpoint(name), Name: name, Options: meta.Options, Scope: 'local' };
  }
}
