/**
 * Containers on disk: `<root>/containers/<id>/{config.json,state.json}` plus `<root>/names/<name>`
 * (holding the id), created with O_EXCL so two `berth run --name x` at once can never both win the
 * name. Every write is a temp file renamed into place (lib/sys/durable-file): a berth killed at any
 * instant, or a power cut, leaves the old or the new JSON, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, promises as fs, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DOCKER_NAME, NAME_CHARS } from '../../paths';
import { makeDirsAsync, tryExclusive, withFileLock, writeFileDurable } from '../../sys';
import { RuntimeError, errCode, isNotFound } from '../errors';
import { CONTAINER_IFNAME, type Endpoints, readEndpoints } from './endpoints';
import { tryLock } from './lock';
import type { ContainerConfig, ContainerRecord, ContainerState } from './types';

/** Docker's container name rule. */
export const CONTAINER_NAME = DOCKER_NAME;
const ID = /^[0-9a-f]{64}$/;
/** Prefix of a container directory being created (never a valid id, so listings skip it). */
const STAGING_PREFIX = '.new-';
/**
 * Held by a create from before its staging directory exists until it holds that directory's lock,
 * and by the staging sweep while it looks: the sweep never sees a staging directory in the instant
 * between mkdir and lock, when "not locked" would wrongly read as "its creator died".
 */
const STAGING_GATE = '.staging.lock';
/** How long a create waits for a sweep to finish with the gate (a sweep holds it for milliseconds). */
const GATE_TIMEOUT_MS = 10_000;

/** A container that does not exist, a name taken, or an ambiguous prefix; the message is Docker's. */
export class ContainerError extends RuntimeError<'not-found' | 'conflict' | 'invalid'> {
  constructor(message: string, kind: ContainerError['kind']) {
    super(message, kind);
    this.name = 'ContainerError';
  }
}

/**
 * Writes `data` as JSON to `path` through lib/sys/durable-file. fsynced: a record left empty by a
 * power cut would read as incomplete, and the next clean-up would delete the container. A killed
 * write's temp file stays in the container's directory, which nothing lists, and goes with it.
 */
export async function writeJsonAtomic(path: string, data: unknown): Promise<void> {
  await writeFileDurable(path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
}

const missing = isNotFound;

/**
 * A catch handler for a read whose target may be absent: ENOENT gives `absent`; any other failure is
 * rethrown, never taken for "not there".
 */
const orIfMissing = <T>(absent: T) => (err: unknown): T => {
  if (missing(err)) return absent;
  throw err;
};

function isRecordShape(config: unknown, state: unknown, id: string): boolean {
  const c = config as Partial<ContainerConfig> | null;
  const st = state as Partial<ContainerState> | null;
  return typeof c === 'object' && c !== null && c.id === id && typeof c.name === 'string' && typeof c.created === 'string'
    && Array.isArray(c.command) && typeof c.network === 'object' && c.network !== null && Array.isArray(c.mounts)
    && typeof st === 'object' && st !== null && typeof st.status === 'string' && typeof st.pid === 'number';
}

/** The container records under one berth root. */
export class ContainerStore {
  /** `<root>/containers`. */
  readonly dir: string;
  private readonly namesDir: string;

  constructor(root: string) {
    this.dir = join(root, 'containers');
    this.namesDir = join(root, 'names');
  }

  /** The directory of container `id`: its JSON, the overlay layers, the log. */
  containerDir(id: string): string {
    if (!ID.test(id)) throw new ContainerError(`invalid container id ${JSON.stringify(id)}`, 'invalid');
    return join(this.dir, id);
  }

  /**
   * Records a new container: reserves its name first (O_EXCL), builds its directory under a staging
   * name, calls `lock` on it (the creator takes the container's lock before the record is visible to
   * others), writes config and state, and renames it into place.
   * @throws ContainerError conflict with Docker's message when the name is in use.
   */
  async create(config: ContainerConfig, state: ContainerState, lock: (dir: string) => void = () => {}): Promise<void> {
    if (!CONTAINER_NAME.test(config.name)) {
      throw new ContainerError(`Invalid container name (${config.name}), only ${NAME_CHARS} are allowed`, 'invalid');
    }
    await this.claimName(config.name, config.id);
    const dir = this.containerDir(config.id);
    // Built under a staging name and renamed into place whole: a directory named by the id is always
    // complete and already locked, so no other berth's clean-up can take a half-made one for a crash's
    // leftover. The flock is on the lock file's inode and survives the rename.
    const staging = join(this.dir, `${STAGING_PREFIX}${config.id}`);
    try {
      await makeDirsAsync(this.dir);
      await withFileLock(join(this.dir, STAGING_GATE), { timeoutMs: GATE_TIMEOUT_MS }, async () => {
        await fs.mkdir(staging, { mode: 0o700 });
        lock(staging);
      });
      await writeJsonAtomic(join(staging, 'config.json'), config);
      await writeJsonAtomic(join(staging, 'state.json'), state);
      await fs.rename(staging, dir);
    } catch (err) {
      await fs.rm(staging, { recursive: true, force: true });
      await this.remove(config.id, config.name);
      throw err;
    }
  }

  /**
   * `berth rename`: claims `newName` (O_EXCL, as create does), rewrites the config with it, then
   * frees the old name. A crash after the claim leaves both names pointing at the container (resolve
   * finds it by either); the next rename or rm frees the stale one.
   * @throws ContainerError with Docker's texts: a bad or taken name, the same name.
   */
  async rename(id: string, newName: string): Promise<void> {
    const rec = await this.load(id);
    if (rec === undefined) throw new ContainerError(`No such container: ${id}`, 'not-found');
    const oldName = rec.config.name;
    if (newName === '') throw new ContainerError('Neither old nor new names may be empty', 'invalid');
    if (!CONTAINER_NAME.test(newName)) throw new ContainerError(`Invalid container name (${newName}), only ${NAME_CHARS} are allowed`, 'invalid');
    if (newName === oldName) throw new ContainerError('Renaming a container with the same name as its current name', 'invalid');
    await this.claimName(newName, id);
    try {
      await writeJsonAtomic(join(this.containerDir(id), 'config.json'), { ...rec.config, name: newName });
    } catch (err) {
      await fs.rm(join(this.namesDir, newName), { force: true });
      throw err;
    }
    await this.freeName(oldName, id);
  }

  /** Reserves `name` for `id`, or throws Docker's conflict naming the owner. */
  private async claimName(name: string, id: string): Promise<void> {
    await makeDirsAsync(this.namesDir);
    try {
      await fs.writeFile(join(this.namesDir, name), id, { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = (await fs.readFile(join(this.namesDir, name), 'utf8').catch(() => '')).trim();
      throw new ContainerError(
        `Conflict. The container name "/${name}" is already in use by container "${owner}". You have to remove (or rename) that container to be able to reuse that name.`,
        'conflict',
      );
    }
  }

  /** Frees `name` when it still belongs to `id`. */
  private async freeName(name: string, id: string): Promise<void> {
    const owner = (await fs.readFile(join(this.namesDir, name), 'utf8').catch(orIfMissing(''))).trim();
    if (owner === id) await fs.rm(join(this.namesDir, name), { force: true });
  }

  /**
   * Removes the staging directories of creates that died before their rename: those whose lock
   * nobody holds. Synchronous and never waiting: when a create holds the gate the sweep is left to
   * the next command.
   * @returns the directories removed.
   */
  sweepStaging(): string[] {
    const staging = (() => {
      try {
        return readdirSync(this.dir).filter((n) => n.startsWith(STAGING_PREFIX) && ID.test(n.slice(STAGING_PREFIX.length)));
      } catch (err) {
        if (!missing(err)) throw err;
        return [];
      }
    })();
    if (staging.length === 0) return [];
    const gatePath = join(this.dir, STAGING_GATE);
    const gate = openSync(gatePath, constants.O_RDONLY | constants.O_CREAT, 0o600);
    const removed: string[] = [];
    try {
      if (!tryExclusive(gate, gatePath)) return [];
      for (const dir of staging.map((n) => join(this.dir, n))) {
        const lock = tryLock(dir);
        if (lock === undefined) continue; // its creator is writing it
        try {
          rmSync(dir, { recursive: true, force: true });
          removed.push(dir);
        } finally {
          lock.release();
        }
      }
    } finally {
      closeSync(gate);
    }
    return removed;
  }

  /** Replaces the state of container `id`. */
  async saveState(id: string, state: ContainerState): Promise<void> {
    await writeJsonAtomic(join(this.containerDir(id), 'state.json'), state);
  }

  /** The record of `id`, or undefined when it is gone (or was never completely written). */
  async load(id: string): Promise<ContainerRecord | undefined> {
    const dir = this.containerDir(id);
    try {
      const config = JSON.parse(await fs.readFile(join(dir, 'config.json'), 'utf8')) as ContainerConfig;
      const state = JSON.parse(await fs.readFile(join(dir, 'state.json'), 'utf8')) as ContainerState;
      // A record that parses but lacks the fields everything else relies on is as good as unwritten.
      if (!isRecordShape(config, state, id)) return undefined;
      return { config, state: withEndpoints(state, readEndpoints(dir)) };
    } catch (err) {
      if (missing(err) || err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /** Every container, newest first (as `docker ps`). */
  async list(): Promise<ContainerRecord[]> {
    const ids = await fs.readdir(this.dir).catch(orIfMissing<string[]>([]));
    const records: ContainerRecord[] = [];
    for (const id of ids.filter((n) => ID.test(n))) {
      const rec = await this.load(id);
      if (rec) records.push(rec);
    }
    return records.sort((a, b) => b.config.created.localeCompare(a.config.created));
  }

  /**
   * Finds a container by name, full id or unique id prefix, as Docker does.
   * @throws ContainerError not-found (`No such container: x`) or an ambiguous prefix.
   */
  async resolve(ref: string): Promise<ContainerRecord> {
    if (CONTAINER_NAME.test(ref)) {
      const id = (await fs.readFile(join(this.namesDir, ref), 'utf8').catch(orIfMissing(''))).trim();
      const rec = ID.test(id) ? await this.load(id) : undefined;
      if (rec) return rec;
    }
    if (/^[0-9a-f]+$/.test(ref)) {
      const matches = (await this.list()).filter((r) => r.config.id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw new ContainerError(`multiple IDs found with provided prefix: ${ref}`, 'conflict');
    }
    throw new ContainerError(`No such container: ${ref}`, 'not-found');
  }

  /**
   * Ids of container directories without a complete record: a create killed between making the
   * directory and writing its JSON. The caller removes those nobody holds the lock of.
   */
  async listIncomplete(): Promise<string[]> {
    const ids = await fs.readdir(this.dir).catch(orIfMissing<string[]>([]));
    const incomplete: string[] = [];
    for (const id of ids.filter((n) => ID.test(n))) if ((await this.load(id)) === undefined) incomplete.push(id);
    return incomplete;
  }

  /**
   * Frees names whose container never got a directory (a create killed right after reserving the
   * name). Only names older than `minAgeMs` go: a create in flight reserves first and makes the
   * directory microseconds later.
   */
  async releaseOrphanNames(minAgeMs = 30_000): Promise<string[]> {
    const names = await fs.readdir(this.namesDir).catch(orIfMissing<string[]>([]));
    const released: string[] = [];
    for (const name of names) {
      const path = join(this.namesDir, name);
      const [id, st] = await Promise.all([fs.readFile(path, 'utf8').catch(orIfMissing('')), fs.stat(path).catch(orIfMissing(undefined))]);
      if (st === undefined || Date.now() - st.mtimeMs < minAgeMs) continue;
      if (!CONTAINER_NAME.test(name)) {
        // A tombstone of a reaper killed half-way; never a name.
        if (name.startsWith('.reap-')) await fs.rm(path, { force: true });
        continue;
      }
      const owner = id.trim();
      const exists = ID.test(owner) && (await fs.stat(join(this.dir, owner)).then(() => true, orIfMissing(false)));
      if (exists) continue;
      // Move the name aside before deciding: between our read and a plain rm, another berth could
      // free the name and a `run --name` claim it anew, and we would delete the new owner's file.
      const tomb = join(this.namesDir, `.reap-${randomBytes(6).toString('hex')}`);
      // ENOENT: another berth freed or reaped the name first.
      if (!(await fs.rename(path, tomb).then(() => true, orIfMissing(false)))) continue;
      const moved = (await fs.readFile(tomb, 'utf8').catch(orIfMissing(''))).trim();
      if (moved === owner) {
        await fs.rm(tomb, { force: true });
        released.push(name);
      } else {
        // We moved a fresh owner's name: put it back (link fails only if yet another claim won).
        await fs.link(tomb, path).catch((err: unknown) => {
          if (errCode(err) !== 'EEXIST') throw err;
        });
        await fs.rm(tomb, { force: true });
      }
    }
    return released;
  }

  /** Deletes an incomplete record's directory and any name that points at it. */
  async removeIncomplete(id: string): Promise<void> {
    await fs.rm(this.containerDir(id), { recursive: true, force: true });
    for (const name of await fs.readdir(this.namesDir).catch(orIfMissing<string[]>([]))) {
      const owner = (await fs.readFile(join(this.namesDir, name), 'utf8').catch(orIfMissing(''))).trim();
      if (owner === id) await fs.rm(join(this.namesDir, name), { force: true });
    }
  }

  /** Deletes the record and frees the name (idempotent). The caller has torn down the rest. */
  async remove(id: string, name: string): Promise<void> {
    await fs.rm(this.containerDir(id), { recursive: true, force: true });
    await this.freeName(name, id);
  }
}

/**
 * The state with the attachments of networks.json merged in: the state file is written from the
 * supervisor's copy, so only its eth0 (the network the container was created on, unless that was
 * disconnected) is taken from it; networks joined later come from networks.json, which connect and
 * disconnect keep current.
 */
function withEndpoints(state: ContainerState, endpoints: Endpoints): ContainerState {
  // `connect --alias` names travel with the attachment, where berth's DNS reads them.
  const connected = endpoints.connected.flatMap((e) => (e.attachment ? [e.aliases && e.aliases.length > 0 ? { ...e.attachment, aliases: e.aliases } : e.attachment] : []));
  if (connected.length === 0 && !endpoints.primaryDetached) return state;
  const primary = endpoints.primaryDetached ? [] : state.attachments.filter((a) => a.ifName === CONTAINER_IFNAME);
  return { ...state, attachments: [...primary, ...connected] };
}
