/**
 * `network inspect` in Docker's shape, Containers included (nerdctl leaves them out): each attached
 * container's MAC and addresses come from the CNI result cached at its ADD, so what berth shows is what
 * the plugins actually set up.
 */
import { createHash } from 'node:crypto';
import type { CachedAttachment } from '../../cni/runtime';
import type { IPConfig, Result } from '../../cni';
import type { NetworkInfo, NetworkScope } from './types';

/** One element of `docker network inspect`'s array. */
export interface DockerNetwork {
  Name: string;
  Id: string;
  Created: string;
  Scope: NetworkScope;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: Record<string, string>[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, DockerEndpoint>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** A container's endpoint on the network. */
export interface DockerEndpoint {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/**
 * Builds Docker's inspect element for `net` from the cached attachments (those of other networks are
 * ignored); `nameOf` gives a container's name from its id.
 */
export function dockerNetworkInspect(net: NetworkInfo, attachments: readonly CachedAttachment[], nameOf: (containerId: string) => string | undefined): DockerNetwork {
  const config: Record<string, string>[] = [];
  if (net.subnet !== undefined) {
    const c: Record<string, string> = { Subnet: net.subnet };
    if (net.ipRange !== undefined) c.IPRange = net.ipRange;
    if (net.gateway !== undefined) c.Gateway = net.gateway;
    config.push(c);
  }
  if (net.ipv6Subnet !== undefined) config.push({ Subnet: net.ipv6Subnet });
  const containers: Record<string, DockerEndpoint> = {};
  const mine = attachments.filter((a) => a.networkName === net.name).sort((a, b) => (a.containerId < b.containerId ? -1 : 1));
  for (const att of mine) {
    containers[att.containerId] = { Name: nameOf(att.containerId) ?? '', EndpointID: endpointId(net.id, att.containerId, att.ifName), ...addressesOf(att) };
  }
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: net.scope,
    Driver: net.driver,
    EnableIPv6: net.ipv6Subnet !== undefined,
    // Docker prints null for the networks it made itself and {} for user networks.
    IPAM: { Driver: 'default', Options: net.builtin ? null : {}, Config: config },
    Internal: net.internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: { ...net.options },
    Labels: { ...net.labels },
  };
}

/** A stable 64-hex endpoint id: the same attachment always shows the same id. */
export function endpointId(networkId: string, containerId: string, ifName: string): string {
  return createHash('sha256').update(`${networkId}\0${containerId}\0${ifName}`).digest('hex');
}

/** MAC and first IPv4/IPv6 (CIDR) of the container-side interface in the cached result. */
function addressesOf(att: CachedAttachment): Pick<DockerEndpoint, 'MacAddress' | 'IPv4Address' | 'IPv6Address'> {
  const result: Result | undefined = att.result;
  const ifaces = result?.interfaces ?? [];
  // The interface inside the container: it has a sandbox; prefer the one named as the attachment.
  let index = ifaces.findIndex((i) => i.sandbox && i.name === att.ifName);
  if (index < 0) index = ifaces.findIndex((i) => i.sandbox);
  const ips = (result?.ips ?? []).filter((ip) => (index < 0 ? ip.interface === undefined : ip.interface === index));
  const first = (v6: boolean): string => ips.find((ip: IPConfig) => ip.address.includes(':') === v6)?.address ?? '';
  return { MacAddress: index < 0 ? '' : (ifaces[index]!.mac ?? ''), IPv4Address: first(false), IPv6Address: first(true) };
}
