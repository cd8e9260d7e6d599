/**
 * `--dns`, `--dns-search`, `--dns-option` and `--add-host` of `berth run`, validated as the Docker CLI
 * does (opts.ValidateIPAddress, ValidateDNSSearch, ValidateExtraHost), with its messages.
 */
import { parseIP } from '../../../lib/ip';
import type { ParsedArgs } from './args';

/** What the three DNS flags gave. */
export interface DnsOptions {
  readonly servers: string[];
  readonly search: string[];
  readonly options: string[];
}

/** Docker's ValidateIPAddress: the address in canonical form. */
export function validateIPAddress(text: string): string {
  const ip = parseIP(text.trim());
  if (ip === undefined || text.trim().includes('/')) throw new Error(`IP address is not correctly formatted: ${text}`);
  return text.trim();
}

const ALPHA = /[a-zA-Z]/;
const DOMAIN = /^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)\.?\s*$/;

/** Docker's ValidateDNSSearch: `.` (no search domains) or a domain of under 255 characters. */
export function validateDnsSearch(text: string): string {
  const val = text.replace(/^ +| +$/g, '');
  if (val === '.') return val;
  const m = DOMAIN.exec(val);
  if (!ALPHA.test(val) || m === null || m[1]!.length >= 255) throw new Error(`${val} is not a valid domain`);
  return m[1]!;
}

/**
 * Docker's ValidateExtraHost: `host:ip` or `host=ip` (an IPv6 address may be in brackets), or
 * `host:host-gateway`.
 */
export function validateExtraHost(text: string): string {
  const eq = text.indexOf('=');
  const cut = eq >= 0 ? eq : text.indexOf(':');
  const host = cut < 0 ? '' : text.slice(0, cut);
  if (cut < 0 || host === '') throw new Error(`bad format for add-host: ${JSON.stringify(text)}`);
  const ip = text.slice(cut + 1).replace(/^\[(.*)\]$/, '$1');
  if (ip !== 'host-gateway' && (parseIP(ip) === undefined || ip.includes('/'))) throw new Error(`invalid IP address in add-host: ${JSON.stringify(ip)}`);
  return text;
}

/** The DNS flags of `args`, each value checked through `check` (which words the flag's error). */
export function dnsOptionsFrom(args: ParsedArgs, check: <T>(name: string, text: string, parse: (t: string) => T) => T): DnsOptions | undefined {
  const servers = args.list('dns').map((v) => check('dns', v, validateIPAddress));
  const search = args.list('dns-search').map((v) => check('dns-search', v, validateDnsSearch));
  const options = [...args.list('dns-option')];
  return servers.length + search.length + options.length === 0 ? undefined : { servers, search, options };
}
