/**
 * resolv.conf, both sides of berth's DNS: reading the host's (the upstream servers, search domains and
 * options a container inherits) and writing a container's, as Docker writes it for `--dns`,
 * `--dns-search` and `--dns-option`, with or without the embedded resolver.
 */

/** The keywords of a resolv.conf that berth carries over. */
export interface ResolvConf {
  readonly nameservers: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

/** `--dns`, `--dns-search`, `--dns-option` as given; an empty list means "not given". */
export interface DnsFlags {
  readonly servers: readonly string[];
  readonly search: readonly string[];
  readonly options: readonly string[];
}

/** Docker's public fallback when the host lists no resolver a container can use. */
export const FALLBACK_NAMESERVERS: readonly string[] = ['8.8.8.8', '8.8.4.4'];

/**
 * Parses the keywords glibc reads: each `nameserver` adds one server, the last `search` or `domain`
 * line sets the search list (glibc: the last one wins), `options` lines add up. `#` and `;` start comments.
 */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/[#;].*$/, '').trim().split(/\s+/).filter(Boolean);
    const [key, ...rest] = fields;
    if (key === undefined || rest.length === 0) continue;
    if (key === 'nameserver') nameservers.push(rest[0]!);
    else if (key === 'search') search = rest;
    else if (key === 'domain') search = [rest[0]!];
    else if (key === 'options') options.push(...rest);
  }
  return { nameservers, search, options };
}

/** A loopback resolver: unreachable from a container's own netns. */
export const isLoopbackServer = (s: string): boolean => /^127\./.test(s) || s === '::1';

/**
 * The servers berth's embedded resolver forwards a container's other names to: its `--dns`, else the
 * host's. Loopback ones are kept: the resolver runs in the host's netns, where they answer (Docker 25
 * forwards to them from the host's netns for the same reason). None at all: Docker's fallback.
 */
export function upstreamServers(hostText: string, flags: readonly string[] = []): readonly string[] {
  if (flags.length > 0) return flags;
  const host = parseResolvConf(hostText).nameservers;
  return host.length > 0 ? host : FALLBACK_NAMESERVERS;
}

const given = (list: readonly string[]): boolean => list.length > 0;

/**
 * A container's resolv.conf. With `resolver` (a network with berth's DNS) its only nameserver is the
 * resolver, and `ndots:0` is added unless the options have an ndots (Docker's embedded-DNS file);
 * without, the nameservers are `--dns` or the host's minus loopback ones (moby's FilterResolvDNS),
 * with Docker's fallback when none is left. Search domains are `--dns-search` (`.` alone: none) or
 * the host's, options `--dns-option` or the host's.
 */
export function containerResolvConf(hostText: string, flags: DnsFlags = { servers: [], search: [], options: [] }, resolver?: string): string {
  const host = parseResolvConf(hostText);
  let nameservers: readonly string[];
  if (resolver !== undefined) nameservers = [resolver];
  else if (given(flags.servers)) nameservers = flags.servers;
  else {
    const usable = host.nameservers.filter((s) => !isLoopbackServer(s));
    nameservers = usable.length > 0 ? usable : FALLBACK_NAMESERVERS;
  }
  const search = given(flags.search) ? flags.search.filter((s) => s !== '.') : host.search;
  const options = [...(given(flags.options) ? flags.options : host.options)];
  if (resolver !== undefined && !options.some((o) => o.startsWith('ndots:'))) options.push('ndots:0');
  const lines = [
    ...nameservers.map((s) => `nameserver ${s}`),
    ...(search.length > 0 ? [`search ${search.join(' ')}`] : []),
    ...(options.length > 0 ? [`options ${options.join(' ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
