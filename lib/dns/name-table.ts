/**
 * What berth's resolver answers, as a pure function of the containers' network endpoints at the
 * moment of the query: the caller builds the endpoints from the container store on every query
 * (lib/dns never keeps a copy), so a run, rm, connect, disconnect or rename shows in the next answer.
 *
 * Docker's rules: a container resolves the containers of every network it is on, by name, by each
 * network alias and by short ID (12 hex digits), also as `<that>.<network>`; containers of networks it
 * is not on do not resolve; PTR of a container address on a shared network gives `<name>.<network>`.
 * An unknown name under `<network>` (the network's own domain) is NXDOMAIN; every other name goes to
 * the upstream resolvers. Who asks is the caller's question (a query from an address that is no
 * container of the network is refused before it gets here: the resolver is no open resolver).
 */
import { ipEqual, parseIP, type IP } from '../ip';
import { addressRecord, parseReverseName, ptrRecord } from './records';
import { TYPE, type Question, type ResourceRecord } from './wire';

/** One container on one network, as the resolver sees it. */
export interface DnsEndpoint {
  readonly network: string;
  /** 64 hex digits. */
  readonly containerId: string;
  readonly name: string;
  /** `--network-alias` values on this network. */
  readonly aliases: readonly string[];
  /** The container's addresses on this network (CIDR suffix allowed, it is ignored). */
  readonly addresses: readonly string[];
}

/** Who asked: the container, and the network whose resolver got the query. */
export interface Asker {
  readonly containerId: string;
  readonly network: string;
}

/**
 * What to do with a question: answer it (an empty list is "no data"), NXDOMAIN, or forward it
 * upstream.
 */
export type Lookup =
  | { readonly kind: 'answer'; readonly records: readonly ResourceRecord[] }
  | { readonly kind: 'nxdomain' }
  | { readonly kind: 'forward' };

/**
 * TTL of the records: 0, so that no cache between the container and berth keeps an answer that a
 * later rm has made wrong (Docker says 600 and relies on glibc not caching; a caching stub inside the
 * container would then keep a removed container's address for ten minutes).
 */
export const CONTAINER_TTL = 0;

const addressesOf = (ep: DnsEndpoint): IP[] => ep.addresses.map((a) => parseIP(a.split('/')[0]!)).filter((a): a is IP => a !== undefined);

/** The names an endpoint answers to on its network, lowercased (DNS names are case-insensitive). */
export function endpointNames(ep: DnsEndpoint): string[] {
  const labels = [ep.name, ep.containerId.slice(0, 12), ...ep.aliases].map((l) => l.toLowerCase());
  const network = ep.network.toLowerCase();
  return [...new Set([...labels, ...labels.map((l) => `${l}.${network}`)])];
}

/** The container holding `address` on `network` among `endpoints`, or undefined. */
export function findAsker(endpoints: readonly DnsEndpoint[], network: string, address: IP): string | undefined {
  return endpoints.find((ep) => ep.network === network && addressesOf(ep).some((a) => ipEqual(a, address)))?.containerId;
}

/**
 * Answers `q` for `asker` from `endpoints` (see the file comment for the rules). The asker sees the
 * network it asked on even before its own endpoint is in `endpoints` (a container whose state is not
 * saved yet asks as soon as its command runs).
 */
export function lookup(endpoints: readonly DnsEndpoint[], asker: Asker, q: Question): Lookup {
  const networks = new Set([asker.network, ...endpoints.filter((ep) => ep.containerId === asker.containerId).map((ep) => ep.network)]);
  const visible = endpoints.filter((ep) => networks.has(ep.network));
  const name = q.name.toLowerCase().replace(/\.$/, '');

  if (q.type === TYPE.PTR) {
    const ip = parseReverseName(name);
    if (ip === undefined) return { kind: 'forward' };
    const ep = visible.find((e) => addressesOf(e).some((a) => ipEqual(a, ip)));
    return ep === undefined ? { kind: 'forward' } : { kind: 'answer', records: [ptrRecord(q.name, `${ep.name}.${ep.network}`, CONTAINER_TTL)] };
  }

  const matches = visible.filter((ep) => endpointNames(ep).includes(name));
  if (matches.length === 0) {
    const inNetworkDomain = [...networks].some((n) => name.endsWith(`.${n.toLowerCase()}`));
    return inNetworkDomain ? { kind: 'nxdomain' } : { kind: 'forward' };
  }
  // The name exists: A and AAAA get the addresses of that family (none: an empty NOERROR answer,
  // "no data", as for any other type), each address once, in the order of the endpoints.
  const family = q.type === TYPE.A ? 4 : q.type === TYPE.AAAA ? 6 : undefined;
  if (family === undefined && q.type !== TYPE.ANY) return { kind: 'answer', records: [] };
  const seen = new Set<string>();
  const records: ResourceRecord[] = [];
  for (const a of matches.flatMap(addressesOf)) {
    const key = `${a.family}/${a.value}`;
    if ((family !== undefined && a.family !== family) || seen.has(key)) continue;
    seen.add(key);
    records.push(addressRecord(q.name, a, CONTAINER_TTL));
  }
  return { kind: 'answer', records };
}
