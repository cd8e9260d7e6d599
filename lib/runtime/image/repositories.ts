/**
 * `<root>/images/repositories.json`: every tag, `{"busybox:latest": "<id>"}`. Only ever replaced
 * whole (lib/sys/durable-file: temp file, fsync, rename(2)) while the store lock is held, so readers
 * need no lock and never see half a file, and two concurrent tag updates cannot lose one another.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { sweepTempFiles, writeFileDurable } from '../../sys';
import { ImageError, errCode } from './image-error';

/** `name:tag` → image id. */
export type Repositories = Record<string, string>;

/** The file's name inside the images directory. */
export const REPOSITORIES_FILE = 'repositories.json';
/**
 * Prefix of the scratch directories in the images directory (temp rootfs dirs, images being
 * deleted), and of repositories.json's temp files before lib/sys/durable-file (whose own are
 * `.repositories.json.tmp-`): claimTempDir still sweeps those. A dot can start neither an id nor
 * the file's name.
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

/**
 * Replaces the file durably (lib/sys/durable-file); the caller holds the store lock, under which any
 * temp file of it is a dead writer's and goes first.
 */
export async function writeRepositories(imagesDir: string, repos: Repositories): Promise<void> {
  const path = join(imagesDir, REPOSITORIES_FILE);
  const sorted = Object.fromEntries(Object.entries(repos).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  try {
    await sweepTempFiles(path);
    await writeFileDurable(path, `${JSON.stringify(sorted, null, 2)}\n`, { mode: 0o644 });
  } catch (err) {
    throw new ImageError(`writing ${path}: ${(err as Error).message}`, 'io', { cause: err });
  }
}

/** The sorted `name:tag` references of image `id`. */
export function tagsOf(repos: Repositories, id: string): string[] {
  return Object.keys(repos).filter((tag) => repos[tag] === id).sort();
}
