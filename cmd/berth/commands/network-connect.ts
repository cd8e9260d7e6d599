/** `berth network connect` and `disconnect`: a container joins or leaves a network (lib/runtime/container/connect). */
import { connectNetwork, disconnectNetwork } from '../../../lib/runtime/container';
import type { CommandDef } from '../registry';
import { reconciledDeps } from './container-deps';

const connect: CommandDef = {
  spec: {
    path: 'network connect',
    usage: '[OPTIONS] NETWORK CONTAINER',
    description: 'Connect a container to a network',
    minArgs: 2,
    maxArgs: 2,
    flags: [
      { name: 'alias', kind: 'list', help: 'Add network-scoped alias for the container' },
      { name: 'ip', kind: 'string', help: 'IPv4 address (e.g., "172.30.100.104")' },
      { name: 'ip6', kind: 'string', help: 'IPv6 address (e.g., "2001:db8::33")' },
    ],
  },
  async run(ctx, args) {
    const [network, ref] = args.positionals as [string, string];
    const deps = await reconciledDeps(ctx);
    const ipv4 = args.string('ip');
    const ipv6 = args.string('ip6');
    await connectNetwork(deps, await deps.containers.resolve(ref), {
      network,
      ...(ipv4 ? { ipv4 } : {}),
      ...(ipv6 ? { ipv6 } : {}),
      aliases: args.list('alias'),
    });
    return 0;
  },
};

const disconnect: CommandDef = {
  spec: {
    path: 'network disconnect',
    usage: '[OPTIONS] NETWORK CONTAINER',
    description: 'Disconnect a container from a network',
    minArgs: 2,
    maxArgs: 2,
    flags: [{ name: 'force', short: 'f', kind: 'bool', help: 'Force the container to disconnect from a network' }],
  },
  async run(ctx, args) {
    const [network, ref] = args.positionals as [string, string];
    const deps = await reconciledDeps(ctx);
    await disconnectNetwork(deps, await deps.containers.resolve(ref), network);
    return 0;
  },
};

/** The commands of this file. */
export const CONNECT_COMMANDS: readonly CommandDef[] = [connect, disconnect];
