/**
 * /etc/hosts, /etc/hostname and /etc/resolv.conf of a container, written into its directory and
 * bound over the image's files by the init, as Docker does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Docker's fallback when the host only has loopback resolvers (systemd-resolved, dnsmasq). */
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/**
 * The host's resolv.conf minus loopback nameservers, which mean nothing inside another netns
 * (moby's resolvconf.FilterResolvDNS). With none left, Google's public resolvers.
 */
export function containerResolvConf(hostText: string): string {
  const lines = hostText.split('\n').filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  const text = lines.join('\n').trim();
  const hasServer = lines.some((l) => /^\s*nameserver\s/.test(l));
  return `${text}${text ? '\n' : ''}${hasServer ? '' : FALLBACK_NAMESERVERS.map((s) => `nameserver ${s}\n`).join('')}`;
}

/** Docker's /etc/hosts: loopback names, then the container's own addresses. */
export function containerHosts(hostname: string, addresses: readonly string[]): string {
  const own = addresses.map((a) => `${a.split('/')[0]}\t${hostname}\n`).join('');
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n${own}`;
}

/**
 * Writes the three files into `dir` and returns the map the init binds: container path → host path.
 * With `--network host` the container sees the host's own hosts file.
 */
export function writeEtcFiles(dir: string, hostname: string, addresses: readonly string[], hostNetwork: boolean): Record<string, string> {
  const files = { '/etc/hostname': join(dir, 'hostname'), '/etc/hosts': join(dir, 'hosts'), '/etc/resolv.conf': join(dir, 'resolv.conf') };
  writeFileSync(files['/etc/hostname'], `${hostname}\n`);
  const hostHosts = hostNetwork ? readOr('/etc/hosts', '') : '';
  writeFileSync(files['/etc/hosts'], hostHosts || containerHosts(hostname, addresses));
  writeFileSync(files['/etc/resolv.conf'], hostNetwork ? readOr('/etc/resolv.conf', '') : containerResolvConf(readOr('/etc/resolv.conf', '')));
  return files;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}
