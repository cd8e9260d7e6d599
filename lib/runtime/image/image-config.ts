/**
 * What an image records beyond its files: the run defaults (`docker inspect .Config` subset) and
 * the `docker images` facts. `image.json` holds an {@link ImageInfo} minus `repoTags`, which live
 * in repositories.json so that tagging never rewrites an image.
 */
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
  /** `USER`: "name", "uid", "name:group" or "uid:gid", resolved in the container's /etc/passwd. Absent: root. */
  User?: string;
  /** `VOLUME`: paths `run` gives an anonymous volume unless a mount covers them. Absent when none. */
  Volumes?: Record<string, Record<string, never>>;
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
  /** Bytes of the layers: the sum of their regular files' sizes, each inode once per layer. */
  size: number;
  config: ImageConfig;
  /** Diff IDs of the layers, bottom first (`RootFS.Layers`); empty for an image stored before layers. */
  layers: string[];
  /** `name@sha256:<manifest digest>` for each repository the image was pulled from or pushed to. */
  repoDigests: string[];
  architecture: string;
  os: string;
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
  const user = p.User === undefined ? base.User : p.User;
  if (user !== undefined && (typeof user !== 'string' || /[\0\n]/.test(user))) throw invalid('User', user, 'a string (user[:group])');
  const volumes = p.Volumes === undefined ? base.Volumes : p.Volumes;
  if (volumes !== undefined && (typeof volumes !== 'object' || volumes === null || Array.isArray(volumes) || !Object.keys(volumes).every((k) => k.startsWith('/') && !k.includes('\0')))) {
    throw invalid('Volumes', volumes, 'an object keyed by absolute paths');
  }
  const out: ImageConfig = { Cmd: cmd, Env: env, WorkingDir: workingDir, Entrypoint: entrypoint };
  if (exposed !== undefined && Object.keys(exposed).length > 0) out.ExposedPorts = Object.fromEntries(Object.keys(exposed).sort().map((k) => [k, {}]));
  if (user !== undefined && user !== '') out.User = user;
  if (volumes !== undefined && Object.keys(volumes).length > 0) out.Volumes = Object.fromEntries(Object.keys(volumes).sort().map((k) => [k, {}]));
  return out;
}

/** A key of ExposedPorts: "80/tcp", "53/udp", "80" (tcp). */
const EXPOSED_KEY = /^\d{1,5}(\/(tcp|udp|sctp))?$/;

function invalid(field: string, value: unknown, expected = 'a list of strings'): ImageError {
  return new ImageError(`invalid image config: ${field} must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`, 'invalid');
}
