/**
 * What the volume, image and network commands share: Docker's `--filter key=value` parsing, the
 * yes/no prompt of the prune commands, container usage maps, and per-argument error reporting.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ContainerStore, type ContainerRecord } from '../../../lib/runtime/container';
import { CliError, DaemonError, daemonRefusalText } from '../cli/errors';
import { EXIT_FAILURE } from '../cli/exit-codes';
import type { CliContext } from '../context';

/** `-f key=value` flags grouped by key; values of one key are OR'd, keys are AND'd (Docker's rule). */
export type Filters = ReadonlyMap<string, readonly string[]>;

/**
 * Parses `--filter` values, accepting only `allowed` keys.
 * @throws CliError with Docker's texts ("bad format of filter (expected name=value)", "invalid filter 'x'").
 */
export function parseFilters(values: readonly string[], allowed: readonly string[]): Filters {
  const filters = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new CliError('bad format of filter (expected name=value)', { exitCode: EXIT_FAILURE });
    const key = v.slice(0, eq).trim().toLowerCase();
    if (!allowed.includes(key)) throw new DaemonError(`invalid filter '${key}'`);
    filters.set(key, [...(filters.get(key) ?? []), v.slice(eq + 1)]);
  }
  return filters;
}

/** Whether `labels` satisfies every `label=` filter value (`key` or `key=value`). */
export function matchLabels(labels: Readonly<Record<string, string>>, wanted: readonly string[]): boolean {
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? w in labels : labels[w.slice(0, eq)] === w.slice(eq + 1);
  });
}

/** Docker's `true`/`false` filter values (dangling=1 works too). */
export function filterBool(key: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new DaemonError(`invalid filter '${key}=${value}'`);
}

/** Labels as Docker's tables print them: "k=v,k2=v2", sorted. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

/** Parses `--label k=v` / `-o k=v` lists into a map; a bare `k` means an empty value. */
export function keyValues(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    out[eq < 0 ? v : v.slice(0, eq)] = eq < 0 ? '' : v.slice(eq + 1);
  }
  return out;
}

/**
 * Docker's prune confirmation: prints the warning, reads a line, true only for y/yes. A closed stdin
 * reads as "no", so an unattended prune without `--force` removes nothing.
 */
export async function confirm(ctx: CliContext, warning: string): Promise<boolean> {
  ctx.out(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = (await ctx.readLine())?.trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}

/** Every container record under the context's root. */
export function listContainers(ctx: CliContext): Promise<ContainerRecord[]> {
  return new ContainerStore(ctx.root).list();
}

/** Container ids by the named volumes they mount (containers that still exist use their volumes). */
export function volumeUsers(containers: readonly ContainerRecord[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const c of containers) {
    for (const m of c.config.mounts) {
      if (m.type === 'volume' && m.name !== undefined) users.set(m.name, [...(users.get(m.name) ?? []), c.config.id]);
    }
  }
  return users;
}

/** Bytes of the regular files under `dir` (each inode once), for "Total reclaimed space". */
export async function diskUsage(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += await diskUsage(path, seen);
    else if (e.isFile()) {
      const st = await fs.lstat(path).catch(() => undefined);
      if (st && !seen.has(`${st.dev}:${st.ino}`)) {
        seen.add(`${st.dev}:${st.ino}`);
        total += st.size;
      }
    }
  }
  return total;
}

/**
 * Runs `each` for every argument, printing its errors as the Docker CLI does for multi-argument
 * commands (`rm a b c`): the ones that work still happen, every failure gets a line on stderr.
 * @returns 0, or 1 when any argument failed.
 */
export async function forEachArg(ctx: CliContext, args: readonly string[], each: (arg: string) => Promise<void>): Promise<number> {
  let failed = false;
  for (const arg of args) {
    try {
      await each(arg);
    } catch (err) {
      const text = daemonRefusalText(err);
      if (text === undefined) throw err;
      failed = true;
      ctx.err(text);
    }
  }
  return failed ? EXIT_FAILURE : 0;
}
