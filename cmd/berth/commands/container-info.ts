/** `logs`, `inspect`: what a container printed, and is. */
import { join } from 'node:path';
import {
  type ContainerRecord, type NetworkAttachment, type RuntimeDeps, followLog, isUnattended, logPathOf, readLog,
} from '../../../lib/runtime/container';
import { endpointId, hasEmbeddedDns, NetworkError } from '../../../lib/runtime/network';
import type { ParsedArgs } from '../cli/args';
import { CliError } from '../cli/errors';
import { EXIT_FAILURE } from '../cli/exit-codes';
import { type InspectEndpoint, dockerContainerInspect, formatInspect } from '../cli/container-inspect';
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
    rootfs: { lower: deps.images.lowerdirs(rec.config.imageId).join(':'), upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') },
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
];
