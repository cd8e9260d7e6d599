/** `berth ps`: Docker's columns, running containers by default, `-a` for all. */
import type { ContainerRecord } from '../../../lib/runtime/container';
import type { ParsedArgs } from '../cli/args';
import { psPortsColumn } from '../cli/ports-view';
import { commandColumn, createdColumn, renderFormat, shortId, statusColumn } from '../cli/format';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

const PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
const PS_HEADERS: Readonly<Record<string, string>> = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED', RunningFor: 'CREATED', Status: 'STATUS',
  Ports: 'PORTS', Names: 'NAMES', State: 'STATE', Networks: 'NETWORKS', Mounts: 'MOUNTS',
};

/** The template fields of one container row. */
export function psFields(rec: ContainerRecord, now: Date, noTrunc: boolean): Record<string, string> {
  const { config, state } = rec;
  const network = config.network.kind === 'network' ? config.network.name : config.network.kind === 'container' ? `container:${config.network.container}` : config.network.kind;
  return {
    ID: shortId(config.id, noTrunc),
    Image: config.image,
    Command: commandColumn(config.command, noTrunc),
    CreatedAt: createdColumn(config.created, now),
    RunningFor: createdColumn(config.created, now),
    Status: statusColumn(state, now),
    State: state.status,
    Ports: psPortsColumn(rec),
    Names: config.name,
    Networks: network,
    Mounts: config.mounts.map((m) => (m.type === 'volume' ? m.name ?? '' : m.type === 'bind' ? m.source : m.target)).join(','),
  };
}

async function ps(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const deps = await reconciledDeps(ctx);
  const all = args.bool('all');
  const records = (await deps.containers.list()).filter((r) => all || r.state.status === 'running' || r.state.status === 'paused' || r.state.status === 'restarting');
  const now = ctx.now();
  const noTrunc = args.bool('no-trunc');
  if (args.bool('quiet')) {
    ctx.out(records.map((r) => `${shortId(r.config.id, noTrunc)}\n`).join(''));
    return 0;
  }
  const rows = records.map((r) => ({ fields: psFields(r, now, noTrunc), json: psFields(r, now, noTrunc) }));
  ctx.out(renderFormat(args.string('format'), PS_TABLE, rows, PS_HEADERS));
  return 0;
}

/** The commands of this file. */
export const PS_COMMANDS: readonly CommandDef[] = [{
  spec: {
    path: 'ps',
    usage: '[OPTIONS]',
    description: 'List containers',
    aliases: ['container ls', 'container list', 'container ps'],
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', kind: 'bool', help: 'Show all containers (default shows just running)' },
      { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display container IDs' },
      { name: 'no-trunc', kind: 'bool', help: "Don't truncate output" },
      { name: 'format', kind: 'string', help: 'Format output using a custom template ("table", "json" or a Go-like template)' },
    ],
  },
  run: ps,
}];
