/** `berth volume create|ls|inspect|rm|prune`: Docker's volume commands over the local VolumeStore. */
import { VolumeStore, type VolumeInfo } from '../../../lib/runtime/storage/volume-store';
import type { ParsedArgs } from '../cli/args';
import { formatInspect } from '../cli/container-inspect';
import { DaemonError, daemonRefusalText } from '../cli/errors';
import { humanSize } from '../cli/format/units';
import { renderFormat } from '../cli/format/template';
import type { CliContext } from '../context';
import type { CommandDef, GroupDef } from '../registry';
import { confirm, diskUsage, filterBool, forEachArg, keyValues, labelsText, listContainers, matchLabels, parseFilters, volumeUsers } from './shared';

/** The `volume` management group. */
export const VOLUME_GROUP: GroupDef = { name: 'volume', description: 'Manage volumes' };

/** A VolumeStore whose `usedBy` reflects the containers recorded now. */
async function openStore(ctx: CliContext): Promise<{ store: VolumeStore; users: Map<string, string[]> }> {
  const users = volumeUsers(await listContainers(ctx));
  return { store: new VolumeStore({ root: ctx.root, usedBy: (n) => users.get(n) ?? [], now: ctx.now }), users };
}

const LS_HEADERS = { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS', CreatedAt: 'CREATED' };

function volumeRow(v: VolumeInfo): { fields: Record<string, string>; json: unknown; raw: Record<string, unknown> } {
  const fields = { Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Scope: v.Scope, Labels: labelsText(v.Labels), CreatedAt: v.CreatedAt };
  // Docker's `{{json .}}` of a volume row: its table fields, N/A where berth has nothing to say.
  const json = { Availability: 'N/A', Driver: v.Driver, Group: 'N/A', Labels: fields.Labels, Links: 'N/A', Mountpoint: v.Mountpoint, Name: v.Name, Scope: v.Scope, Size: 'N/A', Status: 'N/A' };
  return { fields, json, raw: { Labels: v.Labels } };
}

const create: CommandDef = {
  spec: {
    path: 'volume create',
    usage: '[OPTIONS] [VOLUME]',
    description: 'Create a volume',
    maxArgs: 1,
    flags: [
      { name: 'driver', short: 'd', kind: 'string', defaultText: 'local', help: 'Specify volume driver name (only "local")' },
      { name: 'label', kind: 'list', help: 'Set metadata for a volume' },
      { name: 'opt', short: 'o', kind: 'list', valueType: 'map', help: 'Set driver specific options' },
    ],
  },
  async run(ctx, args) {
    const driver = args.string('driver') ?? 'local';
    if (driver !== 'local') throw new DaemonError(`create ${args.positionals[0] ?? ''}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    const { store } = await openStore(ctx);
    const info = await store.create(args.positionals[0], { labels: keyValues(args.list('label')), options: keyValues(args.list('opt')) });
    ctx.out(`${info.Name}\n`);
  },
};

function volumeMatches(v: VolumeInfo, filters: ReturnType<typeof parseFilters>, users: Map<string, string[]>): boolean {
  const dangling = filters.get('dangling');
  if (dangling && !dangling.some((d) => filterBool('dangling', d) === ((users.get(v.Name) ?? []).length === 0))) return false;
  const names = filters.get('name');
  if (names && !names.some((n) => v.Name.includes(n))) return false;
  const drivers = filters.get('driver');
  if (drivers && !drivers.includes(v.Driver)) return false;
  const labels = filters.get('label');
  return labels === undefined || matchLabels(v.Labels, labels);
}

const ls: CommandDef = {
  spec: {
    path: 'volume ls',
    aliases: ['volume list'],
    usage: '[OPTIONS]',
    description: 'List volumes',
    maxArgs: 0,
    flags: [
      { name: 'filter', short: 'f', kind: 'list', valueType: 'filter', help: 'Provide filter values (e.g. "dangling=true", "name=x", "label=k=v", "driver=local")' },
      { name: 'format', kind: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
      { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display volume names' },
    ],
  },
  async run(ctx, args) {
    const filters = parseFilters(args.list('filter'), ['dangling', 'name', 'driver', 'label']);
    const { store, users } = await openStore(ctx);
    const volumes = (await store.list()).filter((v) => volumeMatches(v, filters, users));
    const format = args.bool('quiet') ? '{{.Name}}' : args.string('format');
    ctx.out(renderFormat(format, 'table {{.Driver}}\t{{.Name}}', volumes.map(volumeRow), LS_HEADERS));
  },
};

const inspect: CommandDef = {
  spec: {
    path: 'volume inspect',
    usage: '[OPTIONS] VOLUME [VOLUME...]',
    description: 'Display detailed information on one or more volumes',
    minArgs: 1,
    flags: [{ name: 'format', short: 'f', kind: 'string', help: 'Format output using a custom template: \'json\' or a Go template' }],
  },
  async run(ctx, args: ParsedArgs) {
    const { store } = await openStore(ctx);
    const found: VolumeInfo[] = [];
    const errors: string[] = [];
    for (const name of args.positionals) {
      try {
        found.push(await store.inspect(name));
      } catch (err) {
        const text = daemonRefusalText(err);
        if (text === undefined) throw err;
        errors.push(text);
      }
    }
    const format = args.string('format');
    if (format === undefined || format === '' || format === 'json') ctx.out(formatInspect(found));
    else ctx.out(renderFormat(format, format, found.map((v) => ({ ...volumeRow(v), json: v, raw: { ...v } })), LS_HEADERS));
    for (const e of errors) ctx.err(e);
    return errors.length > 0 ? 1 : 0;
  },
};

const rm: CommandDef = {
  spec: {
    path: 'volume rm',
    aliases: ['volume remove'],
    usage: '[OPTIONS] VOLUME [VOLUME...]',
    description: 'Remove one or more volumes. You cannot remove a volume that is in use by a container.',
    minArgs: 1,
    flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not fail when a volume does not exist' }],
  },
  async run(ctx, args) {
    const { store } = await openStore(ctx);
    return forEachArg(ctx, args.positionals, async (name) => {
      await store.remove(name, { force: args.bool('force') });
      ctx.out(`${name}\n`);
    });
  },
};

const prune: CommandDef = {
  spec: {
    path: 'volume prune',
    usage: '[OPTIONS]',
    description: 'Remove unused local volumes',
    maxArgs: 0,
    flags: [
      { name: 'all', short: 'a', kind: 'bool', help: 'Remove all unused volumes, not just anonymous ones' },
      { name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' },
    ],
  },
  async run(ctx, args) {
    const all = args.bool('all');
    const warning = all
      ? 'WARNING! This will remove all local volumes not used by at least one container.'
      : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
    if (!args.bool('force') && !(await confirm(ctx, warning))) return 0;
    const { store } = await openStore(ctx);
    // Sizes are measured before the volumes go; prune decides which ones do.
    const sizes = new Map<string, number>();
    for (const v of await store.list()) sizes.set(v.Name, await diskUsage(v.Mountpoint));
    const report = await store.prune({ all });
    if (report.VolumesDeleted.length > 0) ctx.out(`Deleted Volumes:\n${report.VolumesDeleted.map((n) => `${n}\n`).join('')}\n`);
    const reclaimed = report.VolumesDeleted.reduce((sum, n) => sum + (sizes.get(n) ?? 0), 0);
    ctx.out(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};

/** Every volume command. */
export const VOLUME_COMMANDS: readonly CommandDef[] = [create, ls, inspect, rm, prune];
