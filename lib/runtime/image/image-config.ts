/**
 * What an image records beyond its files: the run defaults (`docker inspect .Config` subset) and
 * the `docker images` facts. `image.json` holds an {@link ImageInfo} minus `repoTags`, which live
 * in repositories.json so that tagging never rewrites an image.
 */
import { createHash } from 'node:crypto';
import { ImageError } from './image-error';
import { DEFAULT_PATH } from '../init/find-executable';

/** The run defaults a container takes from its image, with Docker's field names. */
export interface ImageConfig {
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  Entrypoint: string[] | null;
  /** Docker's `{"80/tcp": {}}`: the ports `run -P` publishes. Absent when the image declares none. */
  ExposedPorts?: Record<string, Record<string, never>>;
}

/** One image, as `berth images` and `berth image inspect` show it. */
export interface ImageInfo {
  /**
   * 64 hex: sha256 of the imported content (the tar stream as read for tarballs; a canonical
   * listing for directories and busybox), so equal content gets the same id.
   */
  id: string;
  /** `name:tag` references, sorted; empty for a dangling image ("<none>" in listings). */
  repoTags: string[];
  /** RFC 3339. */
  created: string;
  /** Bytes of the rootfs: the sum of its regular files' sizes, each inode once. */
  size: number;
  config: ImageConfig;
}

/** Run defaults of an imported rootfs: nothing, as `docker import` without `--change`. */
export const IMPORT_CONFIG: Readonly<ImageConfig> = Object.freeze({ Cmd: [], Env: [], WorkingDir: '', Entrypoint: null });

/** Docker's default PATH for Linux containers. */
export const DEFAULT_PATH_ENV = `PATH=${DEFAULT_PATH}`;

/** Checks the shape of a caller's (possibly partial) config and completes it from `base`. */
export function completeConfig(partial: Partial<ImageConfig> | undefined, base: Readonly<ImageConfig>): ImageConfig {
  const p = partial ?? {};
  if (typeof p !== 'object' || p === null) throw invalid('config', p);
  const strings = (field: keyof ImageConfig, value: unknown): string[] => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalid(field, value);
    return [...(value as string[])];
  };
  const cmd = p.Cmd === undefined ? [...base.Cmd] : strings('Cmd', p.Cmd);
  const env = p.Env === undefined ? [...base.Env] : strings('Env', p.Env);
  for (const entry of env) {
    if (entry === '' || entry.startsWith('=')) throw invalid('Env', entry, 'KEY=VALUE entries');
  }
  const workingDir = p.WorkingDir ?? base.WorkingDir;
  if (typeof workingDir !== 'string' || (workingDir !== '' && !workingDir.startsWith('/'))) throw invalid('WorkingDir', workingDir, 'an absolute path');
  const entrypoint = p.Entrypoint === undefined ? (base.Entrypoint && [...base.Entrypoint]) : p.Entrypoint === null ? null : strings('Entrypoint', p.Entrypoint);
  const exposed = p.ExposedPorts === undefined ? base.ExposedPorts : p.ExposedPorts;
  if (exposed !== undefined && (typeof exposed !== 'object' || exposed === null || Array.isArray(exposed) || !Object.keys(exposed).every((k) => EXPOSED_KEY.test(k)))) {
    throw invalid('ExposedPorts', exposed, 'an object keyed by "port/proto"');
  }
  const out: ImageConfig = { Cmd: cmd, Env: env, WorkingDir: workingDir, Entrypoint: entrypoint };
  if (exposed !== undefined && Object.keys(exposed).length > 0) out.ExposedPorts = Object.fromEntries(Object.keys(exposed).sort().map((k) => [k, {}]));
  return out;
}

/** A key of ExposedPorts: "80/tcp", "53/udp", "80" (tcp). */
const EXPOSED_KEY = /^\d{1,5}(\/(tcp|udp|sctp))?$/;

/**
 * The image id for `contentDigest` run with `config`. With the importer's default config it is the
 * content digest itself; a different config gets its own id (sha256 over both), because one id
 * with two configs would let a re-import silently change what existing tags run.
 */
export function imageId(contentDigest: string, config: ImageConfig, defaults: Readonly<ImageConfig>): string {
  if (canonicalConfig(config) === canonicalConfig(defaults)) return contentDigest;
  return createHash('sha256').update(`${contentDigest}\n${canonicalConfig(config)}`).digest('hex');
}

function canonicalConfig(c: Readonly<ImageConfig>): string {
  // ExposedPorts joins the form only when set, so the ids of images without it stay what they were.
  const fields: unknown[] = [c.Cmd, c.Env, c.WorkingDir, c.Entrypoint];
  if (c.ExposedPorts !== undefined) fields.push(Object.keys(c.ExposedPorts).sort());
  return JSON.stringify(fields);
}

function invalid(field: string, value: unknown, expected = 'a list of strings'): ImageError {
  return new ImageError(`invalid image config: ${field} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`, 'invalid');
}
