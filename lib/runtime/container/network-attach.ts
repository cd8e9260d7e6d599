/**
 * Networking of a container, the way a CNI runtime does it: a named netns per container, loopback
 * up, then the network's conflist ADDed through lib/cni/runtime (results cached in libcni's format).
 * Detaching is DEL then the netns removal; both are idempotent, so a teardown can always be retried.
 */
import { join } from 'node:path';
import type { Result } from '../../cni';
import { type CachedAttachment, CniRuntimeError, type NetworkConfigList, parseConfList } from '../../cni/runtime';
import { NetlinkHandle, linkSetUp } from '../../netlink';
import { createNamedNetns, deleteNamedNetns, openNetns } from '../../netns';
import { NetworkError, syncNetworkIsolation } from '../network';
import type { RuntimeDeps } from './deps';
import { CONTAINER_IFNAME } from './endpoints';
import { netnsDir } from './paths';
import type { ContainerConfig, NetworkAttachment, PublishedPort } from './types';

/**
 * A capability arg berth adds to every ADD, naming its state root. libcni caches capability args with
 * the result, so berth's crash clean-up can tell its own attachments from those of other runtimes
 * sharing /var/lib/cni (nerdctl also calls its default network "bridge"). Plugins only see
 * capabilities they declare, so none ever receives it.
 */
export const BERTH_ROOT_CAPABILITY = 'io.berth.root';

/** Whether the container gets a netns of its own (bridge, a named network, or none). */
export const ownsNetns = (config: ContainerConfig): boolean => config.network.kind === 'none' || config.network.kind === 'network';

/**
 * Creates the container's netns with loopback up; returns its path. `from`: adopt that netns file
 * (a user namespace container's, made inside its user namespace: container/userns.ts) instead.
 */
export async function createContainerNetns(deps: RuntimeDeps, id: string, from?: string): Promise<string> {
  const ns = createNamedNetns(id, netnsDir(deps.paths), from);
  try {
    const h = NetlinkHandle.open(ns);
    try {
      await linkSetUp(h, 'lo');
    } finally {
      h.close();
    }
  } finally {
    ns.close();
  }
  return join(netnsDir(deps.paths), id);
}

/** Removes the container's netns (missing is fine). */
export function deleteContainerNetns(deps: RuntimeDeps, id: string): void {
  deleteNamedNetns(id, netnsDir(deps.paths));
}

/** The attachment record of a CNI result: the sandbox interface's MAC and its addresses. */
export function attachmentOf(network: string, result: Result): NetworkAttachment {
  const ifaces = result.interfaces ?? [];
  const index = ifaces.findIndex((i) => i.sandbox !== undefined && i.sandbox !== '');
  const ips = (result.ips ?? []).filter((ip) => index === -1 || ip.interface === undefined || ip.interface === index);
  const v4 = ips.find((ip) => !ip.address.includes(':'));
  const v6 = ips.find((ip) => ip.address.includes(':'));
  return {
    network,
    ifName: index === -1 ? CONTAINER_IFNAME : ifaces[index]!.name,
    ...(index === -1 || ifaces[index]!.mac === undefined ? {} : { mac: ifaces[index]!.mac }),
    ...(v4 ? { ipv4: v4.address, ...(v4.gateway ? { gateway: v4.gateway } : {}) } : {}),
    ...(v6 ? { ipv6: v6.address } : {}),
  };
}

/** What one attachment asks of its network beyond joining it. */
export interface AttachOptions {
  /** The interface inside the container (eth0 for the network it was created on). */
  ifName?: string;
  /** Published through the chain's portmap (libcni's `portMappings` capability). */
  ports?: readonly PublishedPort[];
  /** `--ip`/`--ip6`: the addresses to lease (the `ips` capability host-local honours). */
  ips?: readonly string[];
}

/**
 * ADDs the container to network `name` in `netns`. A failed ADD is DELed (the spec's rule). On a
 * bridge network the isolation rules are synced first, so they are in place before the container's
 * first packet, also when a reboot flushed them: berth has no daemon that would restore them.
 */
export async function attachNetwork(deps: RuntimeDeps, id: string, name: string, netns: string, opts: AttachOptions = {}): Promise<NetworkAttachment> {
  const net = deps.networks.get(name);
  const ports = opts.ports ?? [];
  const list = deps.networks.conflist(net, { publish: ports.length > 0 });
  if (net.driver === 'bridge') await syncNetworkIsolation(deps.networks);
  const capabilityArgs: Record<string, unknown> = { [BERTH_ROOT_CAPABILITY]: deps.paths.root };
  if (ports.length > 0) capabilityArgs.portMappings = ports.map(portMapping);
  if (opts.ips !== undefined && opts.ips.length > 0) capabilityArgs.ips = [...opts.ips];
  const rt = { containerId: id, netns, ifName: opts.ifName ?? CONTAINER_IFNAME, capabilityArgs };
  try {
    return attachmentOf(net.name, await deps.cni.addNetworkList(list, rt));
  } catch (err) {
    await deps.cni.delNetworkList(list, rt).catch(() => {});
    throw err;
  }
}

/** A published port in the portmap plugin's `portMappings` shape. */
const portMapping = (p: PublishedPort) => ({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol, hostIP: p.hostIp });

/**
 * The container's cached ADD on network `name`, or undefined when there is none. A file that is no
 * cache entry at all (torn, not JSON, of another kind) counts as none, as libcni's DEL discards such
 * an entry and goes on; anything else (a result in it that does not parse, a bad name) is thrown.
 */
export async function cachedAttachment(deps: RuntimeDeps, id: string, name: string, ifName = CONTAINER_IFNAME): Promise<CachedAttachment | undefined> {
  try {
    return await deps.cni.getCachedResult(name, id, ifName);
  } catch (err) {
    if (err instanceof CniRuntimeError) return undefined;
    throw err;
  }
}

/**
 * DELs the container's interface `ifName` from network `name`. The cached config is preferred (libcni's rule: DEL with
 * what ADD used, even if the network was changed or removed since).
 */
export async function detachNetwork(deps: RuntimeDeps, id: string, name: string, netns: string, ifName = CONTAINER_IFNAME): Promise<void> {
  const cached = await cachedAttachment(deps, id, name, ifName);
  let list: NetworkConfigList;
  if (cached) list = parseConfList(cached.config);
  else {
    try {
      list = deps.networks.conflist(deps.networks.get(name));
    } catch (err) {
      // Neither a cache entry nor the network: nothing was ever attached.
      if (err instanceof NetworkError && err.kind === 'not-found') return;
      throw err;
    }
  }
  // A netns path that no longer exists is passed empty: DEL must work without it.
  let nsPath = netns;
  try {
    openNetns(netns).close();
  } catch {
    nsPath = '';
  }
  // DEL gets the capability args ADD had (libcni's rule), so portmap sees the mappings it removes.
  const rt = { containerId: id, netns: nsPath, ifName, ...(cached?.capabilityArgs ? { capabilityArgs: cached.capabilityArgs } : {}) };
  await deps.cni.delNetworkList(list, rt);
}
