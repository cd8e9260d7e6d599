/**
 * `berth top`: as Docker's daemon does it, the host's `ps` with the user's options (default `-ef`),
 * its lines kept for the processes of the container's cgroup (every process of the container, exec'd
 * ones included). A line whose PID column is "-" (a thread line of `ps -m`) belongs to the process
 * line before it.
 */
import { execFile } from 'node:child_process';
import type { RuntimeDeps } from './deps';
import { ContainerError } from './store';
import { containerCgroup } from './teardown';
import type { ContainerRecord } from './types';

/** `ps` output cut into columns: Docker's ContainerTopOKBody. */
export interface TopResult {
  readonly titles: string[];
  readonly processes: string[][];
}

/**
 * Parses `ps` output, keeping the lines of `pids`. Each line has as many fields as the header; the
 * last (the command) takes the rest of the line.
 * @throws ContainerError invalid when there is no PID column or a PID is not a number (Docker's texts).
 */
export function parsePsOutput(output: string, pids: ReadonlySet<number>): TopResult {
  const lines = output.split('\n');
  const titles = (lines[0] ?? '').trim().split(/\s+/).filter((t) => t !== '');
  const pidIndex = titles.indexOf('PID');
  if (pidIndex === -1) throw new ContainerError("Couldn't find PID field in ps output", 'invalid');
  const processes: string[][] = [];
  const row = (fields: string[]): string[] => [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
  let previousKept = false;
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const field = fields[pidIndex] ?? '';
    if (field === '-') {
      if (previousKept) processes.push(row(fields));
      continue;
    }
    const pid = Number(field);
    if (!/^\d+$/.test(field)) throw new ContainerError(`Unexpected pid '${field}': strconv.Atoi: parsing "${field}": invalid syntax`, 'invalid');
    previousKept = pids.has(pid);
    if (previousKept) processes.push(row(fields));
  }
  return { titles, processes };
}

/** Runs `ps psArgs` on the host and keeps the container's processes. */
export async function containerTop(deps: RuntimeDeps, rec: ContainerRecord, psArgs: readonly string[]): Promise<TopResult> {
  if (rec.state.status !== 'running' && rec.state.status !== 'paused') {
    throw new ContainerError(`container ${rec.config.id} is not running`, 'conflict');
  }
  const pids = new Set(containerCgroup(deps, rec.config.id).pids());
  const args = psArgs.length === 0 ? ['-ef'] : [...psArgs];
  const output = await new Promise<string>((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new ContainerError(`ps: ${(stderr || err.message).trim()}`, 'invalid'));
      else resolve(stdout);
    });
  });
  return parsePsOutput(output, pids);
}
