/**
 * Host ports (the CNI `portMappings` capability, Kubernetes' hostPort): the model both portmap
 * backends share. A mapping sends TCP/UDP/SCTP traffic for a host port (on one host address, or on
 * all of them) to a port of the container's address, from outside and from the host itself; with SNAT
 * a container reaching its own host port (hairpin) and the host's 127.0.0.1 are masqueraded, so the
 * replies come back the way they went.
 */
import { formatIP, type Cidr, type Family, type IP } from '../ip';

export type HostportProtocol = 'tcp' | 'udp' | 'sctp';
export const HOSTPORT_PROTOCOLS: readonly HostportProtocol[] = ['tcp', 'udp', 'sctp'];

/** One `portMappings` entry, validated: ports 1-65535, a known protocol, hostIP parsed. */
export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: HostportProtocol;
  /** Only traffic to this host address; undefined (or the unspecified address) means any local one. */
  readonly hostIP?: IP;
}

/** Everything one backend needs to map the ports of one container address. */
export interface HostportRequest {
  readonly network: string;
  readonly containerId: string;
  /** The container's address in this family, with its prefix (the hairpin source is its subnet). */
  readonly container: Cidr;
  readonly mappings: readonly PortMapping[];
  /** Masquerade hairpin and localhost traffic (the reference's `snat`, default true). */
  readonly snat: boolean;
  /** Masquerade traffic from every source, not just the container's subnet and 127.0.0.1. */
  readonly masqAll: boolean;
  /** The bit of the packet mark that asks for masquerade (iptables only; `markMasqBit`, default 13). */
  readonly markBit: number;
  /** Someone else's chain that sets the masquerade mark (iptables only; `externalSetMarkChain`). */
  readonly setMarkChain?: string;
  /** Extra matches on the entry rules, in the backend's own syntax (`conditionsV4`/`conditionsV6`). */
  readonly conditions: readonly string[];
}

/** The mappings that apply to an address of `family`: those without a host IP or with one of that family. */
export function mappingsOf(family: Family, mappings: readonly PortMapping[]): PortMapping[] {
  return mappings.filter((m) => m.hostIP === undefined || m.hostIP.family === family);
}

/** The host address a mapping is restricted to, or undefined for "any" (none, 0.0.0.0 or ::). */
export function specificHostIP(m: PortMapping): IP | undefined {
  return m.hostIP !== undefined && m.hostIP.value !== 0n ? m.hostIP : undefined;
}

/** `10.0.0.2:80` or `[fd00::2]:80`, as DNAT targets spell a destination. */
export function formatHostPort(ip: IP, port: number): string {
  return ip.family === 4 ? `${formatIP(ip)}:${port}` : `[${formatIP(ip)}]:${port}`;
}
