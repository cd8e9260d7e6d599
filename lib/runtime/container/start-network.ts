/**
 * A starting container's network: its netns (made, or a user namespace's own adopted), the ADD of the
 * network it was created on (with its published ports and --ip) and of those it was connected to,
 * and the resolver its resolv.conf names. Each step pushes its undo onto the start's stack.
 */
import type { UndoStack } from '../../util';
import { NetworkError, ensureBerthdDns, hasEmbeddedDns } from '../network';
import { attachConnected, requestedIps } from './connect';
import type { RuntimeDeps } from './deps';
import { readEndpoints } from './endpoints';
import { attachNetwork, createContainerNetns, deleteContainerNetns, detachNetwork } from './network-attach';
import { allocatePorts } from './port-allocation';
import type { ContainerRecord, NetworkAttachment, PublishedPort } from './types';

/** Which netns the container uses, and whether it was made for it. */
export async function setUpNetwork(
  deps: RuntimeDeps,
  rec: ContainerRecord,
  undo: UndoStack,
  /** A netns to adopt instead of making one (a user namespace's own: userns.ts). */
  adopt?: string,
): Promise<{ netns: string; attachments: NetworkAttachment[]; ports?: PublishedPort[] }> {
  const { config } = rec;
  switch (config.network.kind) {
    case 'host':
      return { netns: '', attachments: [] };
    case 'container': {
      const other = await deps.containers.resolve(config.network.container);
      if (other.state.status !== 'running' && other.state.status !== 'paused') {
        throw new Error(`cannot join network of a non running container: ${other.config.id}`);
      }
      return { netns: other.state.netns || `/proc/${other.state.pid}/ns/net`, attachments: [] };
    }
    case 'none':
    case 'network': {
      const netns = await createContainerNetns(deps, config.id, adopt);
      undo.push('netns', () => deleteContainerNetns(deps, config.id));
      if (config.network.kind === 'none') return { netns, attachments: [] };
      const name = config.network.name;
      const attachments: NetworkAttachment[] = [];
      let ports: PublishedPort[] = [];
      if (!readEndpoints(deps.containers.containerDir(config.id)).primaryDetached) {
        // Published ports go through portmap on the host's bridge; a macvlan child is not reachable
        // from its host, so there they are recorded and not published.
        const driver = deps.networks.get(name).driver;
        ports = driver === 'bridge' || driver === 'overlay' ? await allocatePorts(deps, rec) : [];
        const attached = await attachNetwork(deps, config.id, name, netns, { ports, ips: requestedIps(config) });
        const aliases = config.networkAliases ?? [];
        attachments.push(aliases.length > 0 ? { ...attached, aliases } : attached);
        undo.push(`network ${name}`, () => detachNetwork(deps, config.id, name, netns));
      }
      attachments.push(...(await attachConnected(deps, config.id, netns, undo)));
      return { netns, attachments, ports };
    }
  }
}

/**
 * The nameserver of a container whose first network has berth's DNS: that network's resolver, which
 * berthd is made to serve (started on demand) before the container's command can ask it anything.
 * Undefined for the default bridge, macvlan, host, none and container: networking.
 */
export async function embeddedResolver(deps: RuntimeDeps, attachments: readonly NetworkAttachment[]): Promise<string | undefined> {
  const first = attachments[0];
  if (first === undefined || first.gateway === undefined) return undefined;
  let net;
  try {
    net = deps.networks.get(first.network);
  } catch (err) {
    // A connected network removed since: its attachment has just been made from the cached config.
    if (err instanceof NetworkError && err.kind === 'not-found') return undefined;
    throw err;
  }
  if (!hasEmbeddedDns(net)) return undefined;
  const { runDir, root, cniDir, berthdPath } = deps.paths;
  await ensureBerthdDns({ runDir, root, cniDir, ...(berthdPath ? { berthdPath } : {}) }, net.name, first.gateway);
  return first.gateway;
}

/**
 * `--add-host name:host-gateway`: Docker's special word for the host's address as the container sees
 * it; here the gateway of the container's network (an address of the host), as podman does.
 */
export function withHostGateway(entry: string, gateway: string | undefined): string {
  const m = /^([^=:]+)([=:])host-gateway$/.exec(entry);
  if (!m) return entry;
  if (gateway === undefined) throw new Error(`--add-host ${entry}: host-gateway needs a network with a gateway`);
  return `${m[1]}${m[2]}${gateway}`;
}
