/**
 * /etc/hosts, /etc/hostname and /etc/resolv.conf of a container, written into its directory and
 * bound over the image's files by the init, as Docker does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerResolvConf as buildResolvConf, type DnsFlags } from '../../dns';

/** What goes into the three files besides the hostname. */
export interface EtcFilesOptions {
  /** The container's addresses (CIDR suffix allowed), each listed with its hostname. */
  readonly addresses: readonly string[];
  /** `--network host`: the host's hosts file and resolv.conf (with `--dns*` applied, as Docker). */
  readonly hostNetwork: boolean;
  readonly dns?: DnsFlags;
  /** `--add-host` entries, `host:ip`, the address already resolved (host-gateway replaced). */
  readonly extraHosts?: readonly string[];
  /** The embedded resolver's address, when the container is on a network that has one. */
  readonly resolver?: string;
  /** The host's resolv.conf (default /etc/resolv.conf). */
  readonly hostResolvConf?: string;
}

const NO_FLAGS: DnsFlags = { servers: [], search: [], options: [] };
const anyFlag = (f: DnsFlags): boolean => f.servers.length + f.search.length + f.options.length > 0;

/**
 * The host's resolv.conf minus loopback nameservers, which mean nothing inside another netns
 * (moby's resolvconf.FilterResolvDNS). With none left, Google's public resolvers.
 */
export function containerResolvConf(hostText: string): string {
  const lines = hostText.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  const text = lines.join('\n').trim();
  const hasServer = lines.some((l) => /^\s*nameserver\s/.test(l));
  return `${text}${text ? '\n' : ''}${hasServer ? '' : ['8.8.8.8', '8.8.4.4'].map((s) => `nameserver ${s}\n`).join('')}`;
}

/** `host:ip` (or Docker 25's `host=ip`, an IPv6 address in brackets allowed) as a hosts line. */
export function extraHostLine(entry: string): string {
  const eq = entry.indexOf('=');
  const cut = eq >= 0 ? eq : entry.indexOf(':');
  const ip = entry.slice(cut + 1).replace(/^\[(.*)\]$/, '$1');
  return `${ip}\t${entry.slice(0, cut)}\n`;
}

/** Docker's /etc/hosts: loopback names, the `--add-host` entries, then the container's own addresses. */
export function containerHosts(hostname: string, addresses: readonly string[], extraHosts: readonly string[] = []): string {
  const own = addresses.map((a) => `${a.split('/')[0]}\t${hostname}\n`).join('');
  const extra = extraHosts.map(extraHostLine).join('');
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n${extra}${own}`;
}

/**
 * The resolv.conf text for `opts`: the embedded resolver's file, or the host's filtered one, or (with
 * `--dns*` flags) one rebuilt from the flags and the host's; with `--network host` the host's own.
 */
export function resolvConfText(hostText: string, opts: EtcFilesOptions): string {
  const flags = opts.dns ?? NO_FLAGS;
  if (opts.resolver !== undefined) return buildResolvConf(hostText, flags, opts.resolver);
  if (!anyFlag(flags)) return opts.hostNetwork ? hostText : containerResolvConf(hostText);
  return buildResolvConf(hostText, flags);
}

/**
 * Writes the three files into `dir` and returns the map the init binds: container path → host path.
 * With `--network host` the container sees the host's own hosts file (plus `--add-host` entries).
 */
export function writeEtcFiles(dir: string, hostname: string, opts: EtcFilesOptions): Record<string, string> {
  const files = { '/etc/hostname': join(dir, 'hostname'), '/etc/hosts': join(dir, 'hosts'), '/etc/resolv.conf': join(dir, 'resolv.conf') };
  writeFileSync(files['/etc/hostname'], `${hostname}\n`);
  const hostHosts = opts.hostNetwork ? readOr('/etc/hosts', '') : '';
  const extra = opts.extraHosts ?? [];
  writeFileSync(files['/etc/hosts'], hostHosts ? `${hostHosts}${hostHosts.endsWith('\n') ? '' : '\n'}${extra.map(extraHostLine).join('')}` : containerHosts(hostname, opts.addresses, extra));
  writeFileSync(files['/etc/resolv.conf'], resolvConfText(readOr(opts.hostResolvConf ?? '/etc/resolv.conf', ''), opts));
  return files;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
