import { CniCode, CniError } from './errors';
import { formatValue } from './validation';

/**
 * Parses a MAC an interface can have, from a config key or CNI_ARGS `MAC=`: six bytes written with `:`
 * or `-`, unicast and non-zero (the kernel refuses others). Returns it lower-case with colons, as the
 * kernel reports it.
 * @throws {CniError} `code` (7 by default, worded `invalid config: <where>: ...`) naming `where` and the value
 */
export function parseMac(text: string, where: string, code: number = CniCode.InvalidNetworkConfig): string {
  // One separator throughout (`:` or `-`), as net.ParseMAC takes a 6-byte address.
  const sep = text.charAt(2);
  const parts = sep === ':' || sep === '-' ? text.split(sep) : [];
  const bytes = parts.length === 6 && parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p)) ? parts.map((p) => parseInt(p, 16)) : undefined;
  let problem: string | undefined;
  if (!bytes) problem = 'not a MAC address (want six hex bytes such as 0a:58:0a:01:00:02)';
  else if ((bytes[0]! & 1) !== 0) problem = 'a multicast MAC address cannot be an interface address';
  else if (bytes.every((b) => b === 0)) problem = 'the all-zero MAC address cannot be an interface address';
  if (problem !== undefined) {
    throw new CniError(code, `${code === CniCode.InvalidNetworkConfig ? 'invalid config: ' : ''}${where}: ${problem} (got ${formatValue(text)})`);
  }
  return bytes!.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
