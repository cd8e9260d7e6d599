import fs from 'node:fs';
import { CniCode, CniError, type DNS } from '../cni';

/**
 * Parses a resolv.conf into the result's `dns`, as the reference's dns.go does: `nameserver` adds one
 * server, `domain` sets the domain, `search` and `options` add all their fields; `#` and `;` start
 * a comment line; a keyword without a value is skipped. Empty keys are left out of the result.
 */
export function parseResolvConf(text: string): DNS {
  const dns: Required<DNS> = { nameservers: [], domain: '', search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const fields = line.split(/\s+/);
    if (fields.length < 2) continue;
    switch (fields[0]) {
      case 'nameserver': dns.nameservers.push(fields[1]!); break;
      case 'domain': dns.domain = fields[1]!; break;
      case 'search': dns.search.push(...fields.slice(1)); break;
      case 'options': dns.options.push(...fields.slice(1)); break;
      default: break;
    }
  }
  const out: DNS = {};
  if (dns.nameservers.length) out.nameservers = dns.nameservers;
  if (dns.domain) out.domain = dns.domain;
  if (dns.search.length) out.search = dns.search;
  if (dns.options.length) out.options = dns.options;
  return out;
}

/** Reads and parses `file`; an unreadable file fails ADD with code 7 naming /ipam/resolvConf. */
export function readResolvConf(file: string): DNS {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CniError(CniCode.InvalidNetworkConfig, `invalid config: /ipam/resolvConf: cannot read ${file}: ${why}`, { cause: err });
  }
  return parseResolvConf(text);
}
