/**
 * Images on disk: `<root>/images/<id>/rootfs/` (the overlay lower dir of every container made from
 * it), `<root>/images/<id>/image.json` (an ImageInfo minus its tags), `repositories.json` (the
 * tags) and `lock`. An image directory is built under a temp name and renamed into place, so a
 * crash leaves either a whole image or a temp entry, which the next import sweeps away.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { DEFAULT_BUSYBOX, BUSYBOX_CONFIG, buildBusyboxRootfs } from './busybox-rootfs';
import { IMPORT_CONFIG, completeConfig, imageId, type ImageConfig, type ImageInfo } from './image-config';
import { ImageError, errCode } from './image-error';
import { matchImage, planRemoval, type ImageMatch } from './image-match';
import { formatImageRef, parseImageRef } from './image-ref';
import { TEMP_PREFIX, readRepositories, tagsOf, writeRepositories, type Repositories } from './repositories';
import { copyTree, extractTar } from './rootfs-import';
import { digestRootfs, measureRootfs } from './rootfs-digest';
import { claimTempDir, discardDirs, type LockedDir } from './temp-dirs';
import { DEFAULT_LOCK_TIMEOUT_MS, tryLockDir, withFileLock } from './store-lock';
import { DEFAULT_BERTH_ROOT } from '../../paths';
import { makeDirsAsync } from '../../sys';

/** What the store needs from outside, injectable for tests. */
export interface ImageStoreOptions {
  /** berth's state root (default /var/lib/berth); images live under `<root>/images`. */
  root?: string;
  /** Clock for `created`. */
  now?: () => Date;
  /** What `importTar('-')` reads (default process.stdin). */
  stdin?: Readable;
  /** How long to wait for the store lock (default 60 s). */
  lockTimeoutMs?: number;
}

/** Options of the imports. */
export interface ImportOptions {
  /** Run defaults (`docker import --change`); missing fields default to empty. */
  config?: Partial<ImageConfig>;
}

/** What an import produced in its temp dir. */
interface Built {
  readonly id: string;
  readonly size: number;
  readonly config: ImageConfig;
}

const ID = /^[0-9a-f]{64}$/;
const META = 'image.json';

/** berth's images: import, list, resolve, remove. */
export class ImageStore {
  /** `<root>/images`. */
  readonly dir: string;
  private readonly now: () => Date;
  private readonly stdin: () => Readable;
  private readonly lockTimeoutMs: number;

  constructor(opts: ImageStoreOptions = {}) {
    this.dir = join(opts.root ?? DEFAULT_BERTH_ROOT, 'images');
    this.now = opts.now ?? (() => new Date());
    this.stdin = () => opts.stdin ?? process.stdin;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  }

  /** `docker import FILE|- REF`: a rootfs tarball (plain or compressed), `-` for stdin. */
  async importTar(path: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
    const tag = formatImageRef(parseImageRef(ref));
    const config = completeConfig(opts.config, IMPORT_CONFIG);
    return this.importWith(tag, async (rootfs) => {
      const source = path === '-' ? this.stdin() : await openFile(path);
      const digest = await extractTar(source, rootfs, path === '-' ? 'stdin' : path);
      return { id: imageId(digest, config, IMPORT_CONFIG), size: await measureRootfs(rootfs), config };
    });
  }

  /** Imports a copy of the directory `dir` (modes, owners, links and devices preserved). */
  async importDir(dir: string, ref: string, opts: ImportOptions = {}): Promise<ImageInfo> {
    const tag = formatImageRef(parseImageRef(ref));
    const config = completeConfig(opts.config, IMPORT_CONFIG);
    const st = await fs.stat(dir).catch((err: unknown) => {
      throw new ImageError(`importing ${dir}: ${errCode(err) === 'ENOENT' ? 'no such directory' : (err as Error).message}`, 'invalid', { cause: err });
    });
    if (!st.isDirectory()) throw new ImageError(`importing ${dir}: not a directory`, 'invalid');
    return this.importWith(tag, async (rootfs) => {
      await copyTree(dir, rootfs);
      const facts = await digestRootfs(rootfs);
      return { id: imageId(facts.digest, config, IMPORT_CONFIG), size: facts.size, config };
    });
  }

  /** Makes the busybox image from a statically linked busybox binary (Debian's busybox-static). */
  async createBusybox(ref = 'busybox', busybox = DEFAULT_BUSYBOX): Promise<ImageInfo> {
    const tag = formatImageRef(parseImageRef(ref));
    return this.importWith(tag, async (rootfs) => {
      await buildBusyboxRootfs(rootfs, busybox);
      const facts = await digestRootfs(rootfs);
      return { id: facts.digest, size: facts.size, config: completeConfig(undefined, BUSYBOX_CONFIG) };
    });
  }

  /** Every image, newest first; a dangling one has no tags. */
  async list(): Promise<ImageInfo[]> {
    const repos = await readRepositories(this.dir);
    const infos = await Promise.all((await this.ids()).map((id) => this.load(id, repos)));
    return infos
      .filter((i): i is ImageInfo => i !== undefined)
      .sort((a, b) => (a.created === b.created ? (a.id < b.id ? -1 : 1) : a.created < b.created ? 1 : -1));
  }

  /**
   * The image `ref` names: "name", "name:tag", a full id, "sha256:<id>" or a unique id prefix.
   * @throws ImageError not-found `No such image: busybox:latest`.
   */
  async resolve(ref: string): Promise<ImageInfo> {
    const repos = await readRepositories(this.dir);
    const match = matchImage(ref, repos, await this.ids());
    const info = await this.load(match.id, repos);
    if (!info) throw new ImageError(`No such image: ${ref}`, 'not-found');
    return info;
  }

  /** The absolute path of image `id`'s rootfs: the overlay lower dir. */
  rootfs(id: string): string {
    if (!ID.test(id)) throw new ImageError(`invalid image id ${JSON.stringify(id)}: want 64 hex digits`, 'invalid');
    return join(this.dir, id, 'rootfs');
  }

  /**
   * `docker rmi [-f] REF`, with Docker's rules (see planRemoval) and report lines. `usedBy` names
   * the containers using an image; it is asked under the store lock.
   */
  async remove(ref: string, opts: { force?: boolean; usedBy: (imageId: string) => readonly string[] }): Promise<string[]> {
    await this.ensureDir();
    let doomed: LockedDir | undefined;
    const lines = await withFileLock(this.lockPath(), async () => {
      const repos = await readRepositories(this.dir);
      const match: ImageMatch = matchImage(ref, repos, await this.ids());
      const plan = planRemoval(ref, match, repos, opts.force === true, opts.usedBy(match.id));
      if (plan.untag.length > 0) {
        const next = { ...repos };
        for (const tag of plan.untag) delete next[tag];
        await writeRepositories(this.dir, next);
      }
      if (plan.deleteImage) {
        // Renamed under the lock (an import of the same content then builds afresh), deleted after
        // it; the flock on it marks it as owned until then, and a crash leaves a sweepable temp.
        const path = join(this.dir, `${TEMP_PREFIX}rm-${match.id}-${randomBytes(4).toString('hex')}`);
        const fd = tryLockDir(join(this.dir, match.id));
        await fs.rename(join(this.dir, match.id), path);
        if (fd !== undefined) doomed = { path, fd };
      }
      return [...plan.lines];
    }, this.lockTimeoutMs);
    if (doomed) await discardDirs([doomed]);
    return lines;
  }

  /**
   * Runs `fill` on a fresh rootfs in a locked temp dir, then, under the store lock, moves the
   * result into place (unless an image with that id exists: then only the tag is added) and points
   * `tag` at it. A tag that pointed elsewhere moves, leaving its old image to its other tags or
   * dangling, as Docker does.
   */
  private async importWith(tag: string, fill: (rootfs: string) => Promise<Built>): Promise<ImageInfo> {
    await this.ensureDir();
    const { temp, stale } = await withFileLock(this.lockPath(), () => claimTempDir(this.dir), this.lockTimeoutMs);
    await discardDirs(stale);
    try {
      await fs.mkdir(join(temp.path, 'rootfs'), { mode: 0o755 });
      const built = await fill(join(temp.path, 'rootfs')).catch((err: unknown) => {
        if (err instanceof ImageError) throw err;
        throw new ImageError(`building image ${tag}: ${(err as Error).message}`, 'io', { cause: err });
      });
      return await withFileLock(this.lockPath(), async () => {
        const target = join(this.dir, built.id);
        const repos = await readRepositories(this.dir);
        if (!(await exists(join(target, META)))) {
          const meta = { id: built.id, created: this.now().toISOString(), size: built.size, config: built.config };
          await fs.writeFile(join(temp.path, META), `${JSON.stringify(meta, null, 2)}\n`, { mode: 0o644 });
          await fs.chmod(temp.path, 0o755); // private while built, readable like any image dir once whole
          await fs.rename(temp.path, target);
        }
        await writeRepositories(this.dir, { ...repos, [tag]: built.id });
        const info = await this.load(built.id, { ...repos, [tag]: built.id });
        if (!info) throw new ImageError(`image ${built.id} vanished while being tagged ${tag}`, 'io');
        return info;
      }, this.lockTimeoutMs);
    } finally {
      await discardDirs([temp]);
    }
  }

  private async load(id: string, repos: Readonly<Repositories>): Promise<ImageInfo | undefined> {
    let text: string;
    try {
      text = await fs.readFile(join(this.dir, id, META), 'utf8');
    } catch (err) {
      if (errCode(err) === 'ENOENT') return undefined;
      throw new ImageError(`reading image ${id}: ${(err as Error).message}`, 'io', { cause: err });
    }
    const meta = JSON.parse(text) as Omit<ImageInfo, 'repoTags'>;
    return { id, repoTags: tagsOf(repos, id), created: meta.created, size: meta.size, config: meta.config };
  }

  private async ids(): Promise<string[]> {
    const entries = await fs.readdir(this.dir).catch((err: unknown) => (errCode(err) === 'ENOENT' ? [] : Promise.reject(err)));
    return entries.filter((e) => ID.test(e));
  }

  private lockPath(): string {
    return join(this.dir, 'lock');
  }

  private async ensureDir(): Promise<void> {
    // The berth root is shared with volumes and containers: created with default modes; the
    // images directory itself is private, as Docker's image store is.
    await makeDirsAsync(dirname(this.dir));
    await makeDirsAsync(this.dir, 0o700);
  }
}

async function openFile(path: string): Promise<Readable> {
  const file = await fs.open(path, 'r').catch((err: unknown) => {
    throw new ImageError(`importing ${path}: ${errCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'invalid', { cause: err });
  });
  // open(2) succeeds on a directory; only the first read would fail, with a less helpful EISDIR.
  if ((await file.stat()).isDirectory()) {
    await file.close();
    throw new ImageError(`importing ${path}: is a directory, not a tarball (import a directory with importDir)`, 'invalid');
  }
  return file.createReadStream();
}

async function exists(path: string): Promise<boolean> {
  return fs.access(path).then(() => true, () => false);
}
