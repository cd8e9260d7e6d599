/**
 * What berthd's resolver reads, always from berth's own stores at the moment of the query or the
 * reconcile (never a copy): the container store for the endpoints, the network store for the
 * networks with DNS and their resolver addresses, the IPAM leases (host-local's reference layout,
 * `<cniDir>/networks/<network>/<ip>` holding the container ID) to tell who asks even in the instant
 * between a container's ADD and its state being saved, and resolv.conf for the upstream servers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DnsEndpoint, upstreamServers } from '../../../lib/dns';
import { formatIP, type IP } from '../../../lib/ip';
import { ContainerStore, type ContainerRecord, isLive } from '../../../lib/runtime/container';
import { NetworkStore, hasEmbeddedDns, resolverAddress } from '../../../lib/runtime/network';

/** Where the stores are. */
export interface DnsViewOptions {
  readonly berthRoot: string;
  readonly cniDir: string;
  /** The host's resolv.conf (upstream servers of containers without `--dns`). */
  readonly resolvConf: string;
}

/** One resolver to serve. */
export interface ResolverSpec {
  readonly network: string;
  readonly address: string;
}


/** The endpoints of running containers on networks with DNS. */
export function endpointsOf(records: readonly ContainerRecord[], dnsNetworks: ReadonlySet<string>): DnsEndpoint[] {
  return records.filter(isLive).flatMap((r) => r.state.attachments
    .filter((a) => dnsNetworks.has(a.network))
    .map((a) => ({
      network: a.network,
      containerId: r.config.id,
      name: r.config.name,
      aliases: a.aliases ?? [],
      addresses: [a.ipv4, a.ipv6].filter((x): x is string => x !== undefined),
    })));
}

/** Reads berth's stores for the resolver. */
export class DnsView {
  readonly #opts: DnsViewOptions;
  readonly #containers: ContainerStore;
  readonly #networks: NetworkStore;

  constructor(opts: DnsViewOptions) {
    this.#opts = opts;
    this.#containers = new ContainerStore(opts.berthRoot);
    this.#networks = new NetworkStore({ root: opts.berthRoot, cniDir: opts.cniDir });
  }

  /** The resolvers to serve: one per network with DNS that has an address on this host. */
  resolvers(): ResolverSpec[] {
    return this.#networks.list().flatMap((net) => {
      const address = resolverAddress(net);
      return address === undefined ? [] : [{ network: net.name, address }];
    });
  }

  /** Every container endpoint visible to DNS now, plus the container records they came from. */
  async snapshot(): Promise<{ endpoints: DnsEndpoint[]; records: ContainerRecord[] }> {
    const dnsNetworks = new Set(this.#networks.list().filter(hasEmbeddedDns).map((n) => n.name));
    const records = await this.#containers.list();
    return { endpoints: endpointsOf(records, dnsNetworks), records };
  }

  /** The container holding `address` on `network` by its IPAM lease, or undefined. */
  leaseOwner(network: string, address: IP): string | undefined {
    try {
      const owner = readFileSync(join(this.#opts.cniDir, 'networks', network, formatIP(address)), 'utf8').split(/\r?\n/)[0]!.trim();
      return /^[0-9a-f]{64}$/.test(owner) ? owner : undefined;
    } catch {
      return undefined;
    }
  }

  /** Where the names of container `record` (or of an unknown asker: the host's) are forwarded. */
  upstreams(record: ContainerRecord | undefined): readonly string[] {
    let hostText = '';
    try { hostText = readFileSync(this.#opts.resolvConf, 'utf8'); } catch { /* none: Docker's fallback */ }
    return upstreamServers(hostText, record?.config.dns?.servers ?? []);
  }
}
