/** `logs`, `inspect`, `stats`: what a container printed, is, and uses. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ContainerRecord, type NetworkAttachment, type RuntimeDeps, containerStats, followLog, isUnattended, logPathOf, readLog,
} from '../../../lib/runtime/container';
import { endpointId, hasEmbeddedDns, NetworkError } from '../../../lib/runtime/network';
import type { ParsedArgs } from '../cli/args';
import { CliError } from '../cli/errors';
import { EXIT_FAILURE } from '../cli/exit-codes';
import { type InspectEndpoint, dockerContainerInspect, formatInspect } from '../cli/container-inspect';
import { type StatsSample, formatStats } from '../cli/format';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

async function logs(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const deps = await reconciledDeps(ctx);
  const rec = await deps.containers.resolve(args.positionals[0]!);
  const path = logPathOf(deps, rec.config.id);
  const stamps = args.bool('timestamps');
  const print = (r: { log: string; stream: string; time: string }) => (r.stream === 'stderr' ? ctx.err : ctx.out)(`${stamps ? `${r.time} ` : ''}${r.log}`);
  const tailText = args.string('tail') ?? 'all';
  const tail = tailText === 'all' ? Infinity : Number(tailText);
  if (!Number.isInteger(tail) && tail !== Infinity) throw new CliError(`invalid value for --tail: ${tailText}`);
  const { records } = readLog(path);
  for (const r of tail === Infinity ? records : records.slice(Math.max(0, records.length - tail))) print(r);
  if (args.bool('follow')) {
    const dir = deps.containers.containerDir(rec.config.id);
    const seen = records.length;
    let i = 0;
    for await (const r of followLog(path, () => isUnattended(dir))) if (i++ >= seen) print(r);
  }
  return 0;
}

/**
 * The id of network `name` the container is attached to: as create recorded it, else the store's; ''
 * once the network is gone (Docker shows an endpoint of a removed network without one).
 */
function networkIdOf(deps: RuntimeDeps, rec: ContainerRecord, name: string): string {
  const mode = rec.config.network;
  if (mode.kind === 'network' && mode.name === name && mode.id !== undefined) return mode.id;
  try {
    return deps.networks.get(name).id;
  } catch (err) {
    if (err instanceof NetworkError && err.kind === 'not-found') return '';
    throw err;
  }
}

/** Docker 25's DNSNames: name, short ID and aliases, on a network with berth's DNS. */
function dnsNamesOf(deps: RuntimeDeps, rec: ContainerRecord, a: NetworkAttachment): string[] | null {
  try {
    if (!hasEmbeddedDns(deps.networks.get(a.network))) return null;
  } catch {
    return null; // the network was removed since
  }
  return [rec.config.name, rec.config.id.slice(0, 12), ...(a.aliases ?? [])];
}

function inspectOne(deps: RuntimeDeps, rec: ContainerRecord): unknown {
  const dir = deps.containers.containerDir(rec.config.id);
  const networks: Record<string, InspectEndpoint> = {};
  for (const a of rec.state.attachments) {
    const netId = networkIdOf(deps, rec, a.network);
    const [ip = '', prefix = '0'] = (a.ipv4 ?? '').split('/');
    const [ip6 = '', prefix6 = '0'] = (a.ipv6 ?? '').split('/');
    networks[a.network] = {
      NetworkID: netId,
      EndpointID: netId === '' ? '' : endpointId(netId, rec.config.id, a.ifName),
      MacAddress: a.mac ?? '',
      IPAddress: ip,
      IPPrefixLen: Number(prefix),
      Gateway: a.gateway ?? '',
      GlobalIPv6Address: ip6,
      GlobalIPv6PrefixLen: Number(prefix6),
      Aliases: a.aliases && a.aliases.length > 0 ? a.aliases : null,
      DNSNames: dnsNamesOf(deps, rec, a),
    };
  }
  return dockerContainerInspect(rec, {
    logPath: logPathOf(deps, rec.config.id),
    rootfs: { lower: deps.images.rootfs(rec.config.imageId), upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') },
    imageId: rec.config.imageId,
    networks,
    volumesDir: deps.volumes.dir,
    containerDir: dir,
  });
}

async function inspect(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const deps = await reconciledDeps(ctx);
  const items: unknown[] = [];
  let failed = false;
  for (const ref of args.positionals) {
    try {
      items.push(inspectOne(deps, await deps.containers.resolve(ref)));
    } catch (err) {
      failed = true;
      ctx.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  ctx.out(formatInspect(items));
  return failed ? EXIT_FAILURE : 0;
}

/** Total CPU time of the machine in ns, from /proc/stat (Docker's system_cpu_usage). */
function systemCpuNs(): number {
  const first = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const ticks = first.trim().split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return (ticks * 1e9) / 100; // USER_HZ is 100 on Linux
}

async function stats(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const deps = await reconciledDeps(ctx);
  const all = await deps.containers.list();
  const chosen = args.positionals.length > 0
    ? await Promise.all(args.positionals.map((r) => deps.containers.resolve(r)))
    : all.filter((r) => r.state.status === 'running' || r.state.status === 'paused');
  // Docker's CPU % is the container's share of the machine's CPU time between two reads.
  const before = chosen.map((r) => ({ rec: r, s: containerStats(deps, r), sys: systemCpuNs() }));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const cpus = readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d/.test(l)).length;
  const samples: StatsSample[] = before.map(({ rec, s, sys }) => {
    const now = containerStats(deps, rec);
    const cpuDelta = now.cgroup.cpu.usageNs - s.cgroup.cpu.usageNs;
    const sysDelta = systemCpuNs() - sys;
    const mem = now.cgroup.memory;
    return {
      id: rec.config.id,
      name: rec.config.name,
      cpuPercent: sysDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0,
      // Docker subtracts the page cache from usage.
      memUsage: Math.max(0, mem.usage - (mem.cache ?? 0)),
      memLimit: mem.limit ?? readTotalMemory(),
      netRx: now.net.rxBytes,
      netTx: now.net.txBytes,
      blockRead: now.cgroup.io?.readBytes ?? 0,
      blockWrite: now.cgroup.io?.writeBytes ?? 0,
      pids: now.cgroup.pids.current,
    };
  });
  ctx.out(formatStats(samples, { ...(args.string('format') ? { format: args.string('format')! } : {}), noTrunc: args.bool('no-trunc') }));
  return 0;
}

function readTotalMemory(): number {
  const m = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** The commands of this file. */
export const INFO_COMMANDS: readonly CommandDef[] = [
  {
    spec: {
      path: 'logs', usage: '[OPTIONS] CONTAINER', description: 'Fetch the logs of a container', aliases: ['container logs'], minArgs: 1, maxArgs: 1,
      flags: [
        { name: 'follow', short: 'f', kind: 'bool', help: 'Follow log output' },
        { name: 'tail', short: 'n', kind: 'string', help: 'Number of lines to show from the end of the logs', defaultText: 'all' },
        { name: 'timestamps', short: 't', kind: 'bool', help: 'Show timestamps' },
      ],
    },
    run: logs,
  },
  {
    spec: { path: 'inspect', usage: 'CONTAINER [CONTAINER...]', description: 'Return low-level information on containers', aliases: ['container inspect'], minArgs: 1, flags: [] },
    run: inspect,
  },
  {
    spec: {
      path: 'stats', usage: '[OPTIONS] [CONTAINER...]', description: 'Display a sample of containers resource usage statistics', aliases: ['container stats'],
      flags: [
        { name: 'no-stream', kind: 'bool', help: 'Print one sample (berth always does: it does not redraw a live view)' },
        { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
        { name: 'format', kind: 'string', help: 'Format output using a custom template' },
        { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
      ],
    },
    run: stats,
  },
];
