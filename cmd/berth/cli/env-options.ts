/**
 * `-e` and `--env-file` with the Docker CLI's rules (opts/env.go, opts/envfile.go): `KEY=VALUE` as
 * given, a bare `KEY` takes the caller's value, env files first and `-e` after (so `-e` wins).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A refused entry; the caller adds the flag's name. */
export class EnvOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvOptionError';
  }
}

/**
 * One `-e` value (Docker's ValidateEnv). A bare KEY missing from the caller's environment is dropped
 * (Docker passes it on as "KEY", which no process sees as a variable; dropping says the same plainly).
 * @returns the entry, or undefined when it is dropped.
 */
export function resolveEnvEntry(entry: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const eq = entry.indexOf('=');
  const key = eq < 0 ? entry : entry.slice(0, eq);
  if (key === '') throw new EnvOptionError(`invalid environment variable: ${entry}`);
  if (eq >= 0) return entry;
  const value = env[key];
  return value === undefined ? undefined : `${key}=${value}`;
}

/**
 * Parses an env file (Docker's ParseEnvFile): `#` comments and blank lines skipped, leading
 * whitespace trimmed, values taken literally (no quotes removed), a bare KEY takes the caller's value.
 * @throws EnvOptionError with Docker's texts.
 */
export function parseEnvFile(text: string, env: Readonly<Record<string, string | undefined>>, file: string): string[] {
  const entries: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    if (line.includes('\uFFFD')) throw new EnvOptionError(`env file ${file} contains invalid utf8 bytes at line ${index + 1}: ${JSON.stringify(line)}`);
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === '') throw new EnvOptionError(`no variable name on line '${line}'`);
    if (/\s/.test(key)) throw new EnvOptionError(`variable '${key}' contains whitespaces`);
    const entry = resolveEnvEntry(line, env);
    if (entry !== undefined) entries.push(entry);
  });
  return entries;
}

/** Reads an env file relative to `cwd`; a missing file gives Go's `open x: no such file or directory`. */
export function readEnvFile(path: string, cwd: string, read: (p: string) => string = (p) => readFileSync(p, 'utf8')): string {
  try {
    return read(resolve(cwd, path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code ?? err);
    throw new EnvOptionError(`open ${path}: ${why}`);
  }
}
