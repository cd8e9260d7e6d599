/**
 * `berth network connect` and `disconnect`, as Docker does them: a running container gets (or loses)
 * one more interface (eth1, eth2...) on another berth network through that network's CNI chain; a
 * created or exited one only has its endpoints recorded, and its next start attaches them. The
 * network a container was created on can be disconnected too. Endpoints live in networks.json
 * (endpoints.ts); start and teardown attach and detach them with the primary network.
 */
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { UndoStack } from '../../util';
import type { RuntimeDeps } from './deps';
import { CONTAINER_IFNAME, type ConnectedEndpoint, type Endpoints, nextIfName, readEndpoints, withEndpointsLock, writeEndpoints } from './endpoints';
import { attachNetwork, detachNetwork } from './network-attach';
import { netnsDir } from './paths';
import { ContainerError } from './store';
import { type ContainerRecord, type NetworkAttachment, isLive } from './types';

/** What `network connect` asks for. */
export interface ConnectRequest {
  /** A network name, id or id prefix. */
  readonly network: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly aliases?: readonly string[];
}

/** The name of the network the container was created on, unless it was disconnected. */
function primaryOf(rec: ContainerRecord, endpoints: Endpoints): string | undefined {
  return rec.config.network.kind === 'network' && !endpoints.primaryDetached ? rec.config.network.name : undefined;
}

/** Every network `rec` is on: the one it was created on (unless disconnected) and those connected. */
export function networksOf(rec: ContainerRecord, endpoints: Endpoints): string[] {
  const primary = primaryOf(rec, endpoints);
  return [...(primary === undefined ? [] : [primary]), ...endpoints.connected.map((e) => e.network)];
}

/** The addresses an endpoint asks for, in the `ips` capability's form. */
export const requestedIps = (e: { readonly ipv4?: string; readonly ipv6?: string }): string[] =>
  [e.ipv4, e.ipv6].filter((x): x is string => x !== undefined && x !== '');

/**
 * Connects `rec` to a network: attached at once when it runs, recorded for its next start otherwise.
 * @throws {ContainerError} `invalid` for a container without a network of its own (host, none,
 *   container:) or a bad address; `conflict` when it is already on that network
 * @throws {NetworkError} no such network; the CNI error of a failed ADD (nothing is left of it)
 */
export async function connectNetwork(deps: RuntimeDeps, rec: ContainerRecord, req: ConnectRequest): Promise<void> {
  const { config } = rec;
  if (config.network.kind !== 'network') {
    throw new ContainerError(`container ${config.name} uses network mode "${config.network.kind}": a container sharing the host's or another container's network, or with none, cannot be connected to a network`, 'invalid');
  }
  const net = deps.networks.get(req.network);
  if (net.driver === 'host' || net.driver === 'null') throw new ContainerError(`container cannot be connected to the ${net.name} network`, 'invalid');
  if (req.ipv4 !== undefined && isIP(req.ipv4) !== 4) throw new ContainerError(`invalid IPv4 address: ${req.ipv4}`, 'invalid');
  if (req.ipv6 !== undefined && isIP(req.ipv6) !== 6) throw new ContainerError(`invalid IPv6 address: ${req.ipv6}`, 'invalid');
  if ((req.ipv4 !== undefined || req.ipv6 !== undefined) && net.builtin) {
    throw new ContainerError('user specified IP address is supported on user defined networks only', 'invalid');
  }
  const dir = deps.containers.containerDir(config.id);
  await withEndpointsLock(dir, async () => {
    const endpoints = readEndpoints(dir);
    const primary = primaryOf(rec, endpoints);
    if (primary === net.name || endpoints.connected.some((e) => e.network === net.name)) {
      throw new ContainerError(`endpoint with name ${config.name} already exists in network ${net.name}`, 'conflict');
    }
    const endpoint: ConnectedEndpoint = {
      network: net.name,
      networkId: net.id,
      ifName: nextIfName(endpoints, primary === undefined ? undefined : CONTAINER_IFNAME),
      ...(req.ipv4 ? { ipv4: req.ipv4 } : {}),
      ...(req.ipv6 ? { ipv6: req.ipv6 } : {}),
      ...(req.aliases && req.aliases.length > 0 ? { aliases: [...req.aliases] } : {}),
    };
    // Recorded first: a berth killed during the ADD leaves an endpoint that teardown DELs.
    endpoints.connected.push(endpoint);
    await writeEndpoints(dir, endpoints);
    const live = await deps.containers.load(config.id);
    if (live === undefined || !isLive(live)) return;
    try {
      endpoint.attachment = await attachNetwork(deps, config.id, net.name, live.state.netns, { ifName: endpoint.ifName, ips: requestedIps(endpoint) });
    } catch (err) {
      endpoints.connected = endpoints.connected.filter((e) => e !== endpoint);
      await writeEndpoints(dir, endpoints);
      throw err;
    }
    await writeEndpoints(dir, endpoints);
  });
}

/**
 * Disconnects `rec` from a network it is on (its interface DELed when it runs).
 * @throws {ContainerError} `invalid` when it is not on that network
 */
export async function disconnectNetwork(deps: RuntimeDeps, rec: ContainerRecord, network: string): Promise<void> {
  const { config } = rec;
  const dir = deps.containers.containerDir(config.id);
  // A removed network can still be disconnected by the name the container knows.
  let name = network;
  try {
    name = deps.networks.get(network).name;
  } catch { /* not in the store any more */ }
  await withEndpointsLock(dir, async () => {
    const endpoints = readEndpoints(dir);
    const netns = join(netnsDir(deps.paths), config.id);
    const live = await deps.containers.load(config.id);
    const running = live !== undefined && isLive(live);
    if (primaryOf(rec, endpoints) === name) {
      if (running) await detachNetwork(deps, config.id, name, netns, CONTAINER_IFNAME);
      endpoints.primaryDetached = true;
    } else {
      const endpoint = endpoints.connected.find((e) => e.network === name);
      if (!endpoint) throw new ContainerError(`container ${config.id} is not connected to network ${network}`, 'invalid');
      if (running || endpoint.attachment) await detachNetwork(deps, config.id, name, netns, endpoint.ifName);
      endpoints.connected = endpoints.connected.filter((e) => e !== endpoint);
    }
    await writeEndpoints(dir, endpoints);
  });
}

/**
 * Start's part: ADDs every connected endpoint in `netns` (each undone by `undo` if the start fails
 * later) and returns their attachments.
 */
export async function attachConnected(deps: RuntimeDeps, id: string, netns: string, undo: UndoStack): Promise<NetworkAttachment[]> {
  const dir = deps.containers.containerDir(id);
  return withEndpointsLock(dir, async () => {
    const endpoints = readEndpoints(dir);
    const out: NetworkAttachment[] = [];
    for (const e of endpoints.connected) {
      e.attachment = await attachNetwork(deps, id, e.network, netns, { ifName: e.ifName, ips: requestedIps(e) });
      undo.push(`network ${e.network}`, () => detachNetwork(deps, id, e.network, netns, e.ifName));
      out.push(e.attachment);
      await writeEndpoints(dir, endpoints);
    }
    return out;
  });
}

/** Teardown's part: DELs every connected endpoint (idempotent) and clears their attachments. */
export async function detachConnected(deps: RuntimeDeps, id: string, netns: string): Promise<void> {
  const dir = deps.containers.containerDir(id);
  await withEndpointsLock(dir, async () => {
    const endpoints = readEndpoints(dir);
    if (endpoints.connected.length === 0) return;
    for (const e of endpoints.connected) {
      await detachNetwork(deps, id, e.network, netns, e.ifName);
      delete e.attachment;
    }
    await writeEndpoints(dir, endpoints);
  });
}
