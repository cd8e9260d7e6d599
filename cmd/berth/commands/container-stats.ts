/**
 * `berth stats`: Docker's live view. Streaming (the default) it redraws the table every second
 * (clear screen, cursor home, as the docker CLI writes it) until interrupted (Ctrl-C ends the
 * process); without container arguments the running containers are listed anew at each frame, so
 * containers that start or stop come and go. `--no-stream` prints one sample. CPU % is the
 * container's share of the machine's CPU time between two readings (Docker's formula); BLOCK I/O is
 * the blkio (v1) or io (v2) controller's bytes read and written.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ContainerRecord, type ContainerStats, type RuntimeDeps, containerStats, isLive } from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { type StatsSample, formatStats } from '../cli/format';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

/** The docker CLI's frame start: clear the screen, cursor to the top left. */
export const CLEAR_SCREEN = '\x1b[2J\x1b[H';
const FRAME_MS = 1000;
/** The first frame's two readings, for a CPU share from the start. */
const FIRST_INTERVAL_MS = 500;

/** Total CPU time of the machine in ns, from /proc/stat (Docker's system_cpu_usage). */
function systemCpuNs(): number {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const ticks = first.trim().split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return (ticks * 1e9) / 100; // USER_HZ is 100 on Linux
}

const onlineCpus = (): number => readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d/.test(l)).length;

function totalMemory(): number {
  const m = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** A reading of one container with the machine's CPU time beside it; zeros once its cgroup is gone. */
interface Reading { readonly stats: ContainerStats | undefined; readonly systemNs: number }

function read(deps: RuntimeDeps, rec: ContainerRecord): Reading {
  let stats: ContainerStats | undefined;
  try {
    stats = containerStats(deps, rec);
  } catch {
    // not running: no cgroup to read
  }
  return { stats, systemNs: systemCpuNs() };
}

function sampleOf(rec: ContainerRecord, before: Reading | undefined, now: Reading, cpus: number): StatsSample {
  const s = now.stats;
  const cpuDelta = s && before?.stats ? s.cgroup.cpu.usageNs - before.stats.cgroup.cpu.usageNs : 0;
  const sysDelta = before ? now.systemNs - before.systemNs : 0;
  const mem = s?.cgroup.memory;
  return {
    id: rec.config.id,
    name: rec.config.name,
    cpuPercent: sysDelta > 0 && cpuDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0,
    // Docker subtracts the page cache from usage.
    memUsage: mem ? Math.max(0, mem.usage - (mem.cache ?? 0)) : 0,
    memLimit: mem?.limit ?? totalMemory(),
    netRx: s?.net.rxBytes ?? 0,
    netTx: s?.net.txBytes ?? 0,
    blockRead: s?.cgroup.io?.readBytes ?? 0,
    blockWrite: s?.cgroup.io?.writeBytes ?? 0,
    pids: s?.cgroup.pids.current ?? 0,
  };
}


async function stats(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const deps = await reconciledDeps(ctx);
  const named = args.positionals.length > 0 ? await Promise.all(args.positionals.map((r) => deps.containers.resolve(r))) : undefined;
  const choose = async (): Promise<ContainerRecord[]> => {
    if (named) return (await Promise.all(named.map((r) => deps.containers.load(r.config.id)))).filter((r): r is ContainerRecord => r !== undefined);
    const all = await deps.containers.list();
    return args.bool('all') ? all : all.filter(isLive);
  };
  const stream = !args.bool('no-stream');
  const format = { ...(args.string('format') ? { format: args.string('format')! } : {}), noTrunc: args.bool('no-trunc') };
  const cpus = onlineCpus();
  let previous = new Map<string, Reading>();
  let chosen = await choose();
  for (const rec of chosen) previous.set(rec.config.id, read(deps, rec));
  await sleep(FIRST_INTERVAL_MS);
  for (;;) {
    const readings = new Map(chosen.map((rec) => [rec.config.id, read(deps, rec)] as const));
    const samples = chosen.map((rec) => sampleOf(rec, previous.get(rec.config.id), readings.get(rec.config.id)!, cpus));
    ctx.out(`${stream ? CLEAR_SCREEN : ''}${formatStats(samples, format)}`);
    if (!stream) return 0;
    previous = readings;
    await sleep(FRAME_MS);
    chosen = await choose();
  }
}

/** The commands of this file. */
export const STATS_COMMANDS: readonly CommandDef[] = [
  {
    spec: {
      path: 'stats', usage: '[OPTIONS] [CONTAINER...]', description: 'Display a live stream of container(s) resource usage statistics', aliases: ['container stats'],
      flags: [
        { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
        { name: 'format', kind: 'string', help: 'Format output using a custom template' },
        { name: 'no-stream', kind: 'bool', help: 'Disable streaming stats and only pull the first result' },
        { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
      ],
    },
    run: stats,
  },
];
