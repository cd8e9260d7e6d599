/** `berth network ls|inspect|create|rm|prune`: Docker's network commands over berth's NetworkStore. */
import { CniRuntime } from '../../../lib/cni/runtime';
import { NetlinkHandle, isLinkNotFound, linkDel } from '../../../lib/netlink';
import { NetworkStore, bridgeNameOf, dockerNetworkInspect, type NetworkInfo } from '../../../lib/runtime/network';
import { ContainerStore, networksOf, readEndpoints, type ContainerRecord } from '../../../lib/runtime/container';
import { formatInspect } from '../cli/container-inspect';
import { CONNECT_COMMANDS } from './network-connect';
import { daemonRefusalText } from '../cli/errors';
import { shortId } from '../cli/format/container-columns';
import { renderFormat } from '../cli/format/template';
import type { CliContext } from '../context';
import type { CommandDef, GroupDef } from '../registry';
import { confirm, forEachArg, keyValues, labelsText, listContainers, matchLabels, parseFilters } from './shared';

/** The `network` management group. */
export const NETWORK_GROUP: GroupDef = { name: 'network', description: 'Manage networks' };

const store = (ctx: CliContext): NetworkStore => new NetworkStore({ root: ctx.root, cniDir: ctx.cniDir, runDir: ctx.run, now: ctx.now });

/** Container ids by the user network they are on (`--network NAME`; the default bridge included). */
function networkUsers(ctx: CliContext, containers: readonly ContainerRecord[]): Map<string, string[]> {
  const store = new ContainerStore(ctx.root);
  const users = new Map<string, string[]>();
  for (const c of containers) {
    for (const name of networksOf(c, readEndpoints(store.containerDir(c.config.id)))) users.set(name, [...(users.get(name) ?? []), c.config.id]);
  }
  return users;
}

const LS_HEADERS = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', Internal: 'INTERNAL', IPv6: 'IPV6', CreatedAt: 'CREATED AT', Labels: 'LABELS' };

function networkMatches(n: NetworkInfo, filters: ReturnType<typeof parseFilters>): boolean {
  const any = (key: string, test: (v: string) => boolean): boolean => {
    const values = filters.get(key);
    return values === undefined || values.some(test);
  };
  return (
    any('driver', (v) => n.driver === v) &&
    any('name', (v) => n.name.includes(v)) &&
    any('id', (v) => n.id.startsWith(v)) &&
    any('scope', (v) => n.scope === v) &&
    any('type', (v) => (v === 'builtin' ? n.builtin : v === 'custom' ? !n.builtin : false)) &&
    matchLabels(n.labels, filters.get('label') ?? [])
  );
}

const ls: CommandDef = {
  spec: {
    path: 'network ls',
    aliases: ['network list'],
    usage: '[OPTIONS]',
    description: 'List networks',
    maxArgs: 0,
    flags: [
      { name: 'filter', short: 'f', kind: 'list', valueType: 'filter', help: 'Provide filter values (e.g. "driver=bridge", "name=x", "id=", "label=", "type=custom|builtin")' },
      { name: 'format', kind: 'string', help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template" },
      { name: 'no-trunc', kind: 'bool', help: 'Do not truncate the output' },
      { name: 'quiet', short: 'q', kind: 'bool', help: 'Only display network IDs' },
    ],
  },
  async run(ctx, args) {
    const filters = parseFilters(args.list('filter'), ['driver', 'name', 'id', 'label', 'scope', 'type']);
    const noTrunc = args.bool('no-trunc');
    const rows = store(ctx).list().filter((n) => networkMatches(n, filters)).map((n) => ({
      fields: {
        ID: shortId(n.id, noTrunc), Name: n.name, Driver: n.driver, Scope: n.scope, Internal: String(n.internal), IPv6: 'false',
        CreatedAt: n.created, Labels: labelsText(n.labels),
      },
      raw: { Labels: n.labels },
    }));
    const format = args.bool('quiet') ? '{{.ID}}' : args.string('format');
    ctx.out(renderFormat(format, 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}', rows, LS_HEADERS));
  },
};

const inspect: CommandDef = {
  spec: {
    path: 'network inspect',
    usage: '[OPTIONS] NETWORK [NETWORK...]',
    description: 'Display detailed information on one or more networks',
    minArgs: 1,
    flags: [],
  },
  async run(ctx, args) {
    const networks = store(ctx);
    const cni = new CniRuntime({ pluginPaths: ctx.cniPath, cacheDir: ctx.cniDir, env: { ...ctx.env } });
    const names = new Map((await listContainers(ctx)).map((c) => [c.config.id, c.config.name]));
    const found: unknown[] = [];
    const errors: string[] = [];
    for (const ref of args.positionals) {
      let net: NetworkInfo;
      try {
        net = networks.get(ref);
      } catch (err) {
        const text = daemonRefusalText(err);
        if (text === undefined) throw err;
        errors.push(text);
        continue;
      }
      const attachments = net.builtin && net.driver !== 'bridge' ? [] : await cni.listCachedAttachments(net.name);
      found.push(dockerNetworkInspect(net, attachments, (id) => names.get(id)));
    }
    ctx.out(formatInspect(found));
    for (const e of errors) ctx.err(e);
    return errors.length > 0 ? 1 : 0;
  },
};

const create: CommandDef = {
  spec: {
    path: 'network create',
    usage: '[OPTIONS] NETWORK',
    description: 'Create a network',
    minArgs: 1,
    maxArgs: 1,
    flags: [
      { name: 'driver', short: 'd', kind: 'string', defaultText: 'bridge', help: 'Driver to manage the Network (bridge, macvlan, or overlay through berthd)' },
      { name: 'gateway', kind: 'string', help: 'IPv4 Gateway for the master subnet' },
      { name: 'internal', kind: 'bool', help: 'Restrict external access to the network' },
      { name: 'ip-range', kind: 'string', help: 'Allocate container ip from a sub-range' },
      { name: 'label', kind: 'list', help: 'Set metadata on a network' },
      { name: 'opt', short: 'o', kind: 'list', valueType: 'map', help: 'Set driver specific options (e.g. parent=eth0 for macvlan; vni=N, port=N, subnet_len=N for overlay)' },
      { name: 'subnet', kind: 'string', help: 'Subnet in CIDR format that represents a network segment' },
    ],
  },
  async run(ctx, args) {
    const driver = args.string('driver') ?? 'bridge';
    const opt = (name: string): Record<string, string> => {
      const v = args.string(name);
      return v === undefined ? {} : { [name === 'ip-range' ? 'ipRange' : name]: v };
    };
    const req = {
      name: args.positionals[0]!,
      driver: driver as 'bridge' | 'macvlan' | 'overlay',
      ...opt('subnet'),
      ...opt('gateway'),
      ...opt('ip-range'),
      internal: args.bool('internal'),
      options: keyValues(args.list('opt')),
      labels: keyValues(args.list('label')),
    };
    // An overlay network's config is cluster-wide: berthd stores it (or returns the stored one) first.
    const net = driver === 'overlay' ? await store(ctx).createOverlay(req) : store(ctx).create(req);
    ctx.out(`${net.id}\n`);
  },
};

/**
 * Removes a network and, for a bridge network, its Linux bridge: the bridge plugin creates bridges
 * but never deletes them (others may share one), so the runtime that made the network does, as
 * Docker removes br-<id>. Its attachments are gone already (remove refuses a network in use).
 */
async function removeNetwork(networks: NetworkStore, ref: string, users: ReadonlyMap<string, readonly string[]>): Promise<void> {
  const net = networks.get(ref);
  networks.remove(ref, (name) => users.get(name) ?? []);
  if (net.driver !== 'bridge') return;
  const h = NetlinkHandle.open();
  try {
    await linkDel(h, bridgeNameOf(net));
  } catch (err) {
    if (!isLinkNotFound(err)) throw err;
  } finally {
    h.close();
  }
}

const rm: CommandDef = {
  spec: {
    path: 'network rm',
    aliases: ['network remove'],
    usage: 'NETWORK [NETWORK...]',
    description: 'Remove one or more networks',
    minArgs: 1,
    flags: [],
  },
  async run(ctx, args) {
    const users = networkUsers(ctx, await listContainers(ctx));
    const networks = store(ctx);
    return forEachArg(ctx, args.positionals, async (ref) => {
      await removeNetwork(networks, ref, users);
      ctx.out(`${ref}\n`);
    });
  },
};

const prune: CommandDef = {
  spec: {
    path: 'network prune',
    usage: '[OPTIONS]',
    description: 'Remove all unused networks',
    maxArgs: 0,
    flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Do not prompt for confirmation' }],
  },
  async run(ctx, args) {
    if (!args.bool('force') && !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))) return 0;
    const users = networkUsers(ctx, await listContainers(ctx));
    const networks = store(ctx);
    const deleted: string[] = [];
    for (const net of networks.list()) {
      if (net.builtin || (users.get(net.name) ?? []).length > 0) continue;
      await removeNetwork(networks, net.name, users);
      deleted.push(net.name);
    }
    if (deleted.length > 0) ctx.out(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}`);
    return 0;
  },
};

/** Every network command. */
export const NETWORK_COMMANDS: readonly CommandDef[] = [ls, inspect, create, rm, prune, ...CONNECT_COMMANDS];
