/**
 * `<root>/images/repositories.json`: every tag, `{"busybox:latest": "<id>"}`. Only ever replaced
 * whole (temp file, fsync, rename(2)) while the store lock is held, so readers need no lock and
 * never see half a file, and two concurrent tag updates cannot lose one another.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ImageError, errCode } from './image-error';

/** `name:tag` → image id. */
export type Repositories = Record<string, string>;

/** The file's name inside the images directory. */
export const REPOSITORIES_FILE = 'repositories.json';
/**
 * Prefix of every scratch entry in the images directory (temp rootfs dirs, images being deleted,
 * repositories.json being written). A dot can start neither an id nor the file's name.
 */
export const TEMP_PREFIX = '.tmp-';

const ID = /^[0-9a-f]{64}$/;

/** The tags under `imagesDir`; none when the file does not exist yet. */
export async function readRepositories(imagesDir: string): Promise<Repositories> {
  const path = join(imagesDir, REPOSITORIES_FILE);
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    if (errCode(err) === 'ENOENT') return {};
    throw new ImageError(`reading ${path}: ${(err as Error).message}`, 'io', { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ImageError(`${path} is corrupt: ${(err as Error).message}`, 'io', { cause: err });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new ImageError(`${path} is corrupt: not an object`, 'io');
  const repos: Repositories = {};
  for (const [tag, id] of Object.entries(data)) {
    if (typeof id !== 'string' || !ID.test(id)) throw new ImageError(`${path} is corrupt: ${JSON.stringify(tag)} maps to ${JSON.stringify(id)}`, 'io');
    repos[tag] = id;
  }
  return repos;
}

/** Replaces the file atomically; the caller holds the store lock. */
export async function writeRepositories(imagesDir: string, repos: Repositories): Promise<void> {
  const path = join(imagesDir, REPOSITORIES_FILE);
  const temp = join(imagesDir, `${TEMP_PREFIX}${REPOSITORIES_FILE}-${randomBytes(6).toString('hex')}`);
  const sorted = Object.fromEntries(Object.entries(repos).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  try {
    const file = await fs.open(temp, 'wx', 0o644);
    try {
      await file.writeFile(`${JSON.stringify(sorted, null, 2)}\n`);
      // Without the fsync a power cut after the rename can leave an empty file under the real name.
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(temp, path);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw new ImageError(`writing ${path}: ${(err as Error).message}`, 'io', { cause: err });
  }
}

/** The sorted `name:tag` references of image `id`. */
export function tagsOf(repos: Repositories, id: string): string[] {
  return Object.keys(repos).filter((tag) => repos[tag] === id).sort();
}
