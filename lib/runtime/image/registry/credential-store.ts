/**
 * Registry credentials in Docker's config.json format, so that a file written by `docker login`
 * works with berth and the other way round: `{"auths": {"<host>": {"auth": base64("user:pass")}}}`,
 * Docker Hub under `https://index.docker.io/v1/`. Keys berth does not know (credsStore, proxies,
 * other tools' settings) are kept as they are. The file holds passwords: it is written 0600, through
 * a temp file renamed over it, so a crash leaves the old file or the new one and never half of it.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ImageError } from '../image-error';
import { DOCKER_HUB } from './reference';

/** A user name and password (or identity token) for one registry. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** The key Docker stores Docker Hub's credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  [other: string]: unknown;
}

/** Reads and writes one Docker-format config.json. */
export class CredentialStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The credentials stored for `registry` (`docker.io`, `localhost:5000`), if any. */
  async get(registry: string): Promise<Credentials | undefined> {
    const auths = (await this.read()).auths ?? {};
    const key = credentialKey(registry);
    // docker login writes bare host names, older Dockers wrote URLs ("https://host/v1/"): both match.
    const entry = auths[key] ?? Object.entries(auths).find(([k]) => hostOfKey(k) === hostOfKey(key))?.[1];
    return entry === undefined ? undefined : decodeEntry(entry, key, this.path);
  }

  /** Stores `username`/`password` for `registry`, replacing what was there. */
  async set(registry: string, username: string, password: string): Promise<void> {
    if (username === '' || username.includes(':')) throw new ImageError(`invalid username ${JSON.stringify(username)}: it must be non-empty and have no ':'`, 'invalid');
    const config = await this.read();
    const auths = { ...(config.auths ?? {}) };
    const key = credentialKey(registry);
    for (const k of Object.keys(auths)) if (k !== key && hostOfKey(k) === hostOfKey(key)) delete auths[k];
    auths[key] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
    await this.write({ ...config, auths });
  }

  /** Forgets `registry`'s credentials; true when there were some. */
  async remove(registry: string): Promise<boolean> {
    const config = await this.read();
    const auths = { ...(config.auths ?? {}) };
    const key = credentialKey(registry);
    const matching = Object.keys(auths).filter((k) => k === key || hostOfKey(k) === hostOfKey(key));
    if (matching.length === 0) return false;
    for (const k of matching) delete auths[k];
    await this.write({ ...config, auths });
    return true;
  }

  /** Removes temp files left by writers that died before their rename. */
  private async sweepTemps(): Promise<void> {
    const prefix = tempPrefix(this.path);
    for (const name of await fs.readdir(dirname(this.path)).catch(() => [] as string[])) {
      const pid = name.startsWith(prefix) && name.endsWith('.tmp') ? Number(name.slice(prefix.length).split('.')[0]) : Number.NaN;
      if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) await fs.rm(join(dirname(this.path), name), { force: true });
    }
  }

  private async read(): Promise<{ auths?: Record<string, AuthEntry>; [other: string]: unknown }> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new ImageError(`reading ${this.path}: ${(err as Error).message}`, 'io', { cause: err });
    }
    let config: unknown;
    try {
      config = text.trim() === '' ? {} : JSON.parse(text);
    } catch (err) {
      throw new ImageError(`${this.path}: not valid JSON: ${(err as Error).message}`, 'invalid', { cause: err });
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new ImageError(`${this.path}: not a JSON object`, 'invalid');
    const auths = (config as { auths?: unknown }).auths;
    if (auths !== undefined && (typeof auths !== 'object' || auths === null || Array.isArray(auths))) throw new ImageError(`${this.path}: "auths" is not an object`, 'invalid');
    return config as { auths?: Record<string, AuthEntry> };
  }

  private async write(config: object): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await this.sweepTemps();
    const temp = join(dirname(this.path), `${tempPrefix(this.path)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await fs.open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(config, null, '\t')}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, this.path);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw new ImageError(`writing ${this.path}: ${(err as Error).message}`, 'io', { cause: err });
    }
  }
}

/** The temp files of a write name the writer's pid: one whose process is gone is a crash's leftover. */
function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

/** The config.json key of `registry`'s credentials. */
export function credentialKey(registry: string): string {
  return registry === DOCKER_HUB || registry === 'index.docker.io' || registry === 'registry-1.docker.io' ? DOCKER_HUB_AUTH_KEY : registry;
}

/** A key's host, as Docker's ConvertToHostname reads it: no scheme, no path. */
function hostOfKey(key: string): string {
  const host = key.replace(/^https?:\/\//, '').split('/')[0]!;
  return host === 'index.docker.io' ? DOCKER_HUB : host;
}

function decodeEntry(entry: AuthEntry, key: string, path: string): Credentials | undefined {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon <= 0) throw new ImageError(`${path}: the "auth" of ${JSON.stringify(key)} is not base64 of user:password`, 'invalid');
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string') return { username: entry.username, password: entry.password };
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
