/**
 * A result with its addresses parsed. On the wire (and in Result) every address, CIDR and gateway is
 * text; an ADD that works on them (gateways, the interface's addresses and routes, masquerade) takes
 * them in this form instead: parsed once where a result enters the plugin (an IPAM delegate's
 * output; host-local in-process builds it directly), formatted once where it leaves, so no step in
 * between parses an address again. Only the address fields differ from Result; the shape on the wire
 * does not change.
 */
import { formatCidr, formatIP, parseCidr, parseIP, type Cidr, type IP } from '../ip';
import type { IPConfig, Result, Route } from './types';

/** An `ips[]` entry: `interface` indexes the result's interfaces (absent in IPAM results). */
export interface ParsedIPConfig {
  readonly address: Cidr;
  readonly gateway?: IP;
  readonly interface?: number;
}

/** A `routes[]` entry, its 1.1.0 fields (mtu, advmss, priority, table, scope) as in Route. */
export interface ParsedRoute extends Omit<Route, 'dst' | 'gw'> {
  readonly dst: Cidr;
  readonly gw?: IP;
}

/** A Result whose `ips` and `routes` are parsed. */
export interface ParsedResult extends Omit<Result, 'ips' | 'routes'> {
  ips?: ParsedIPConfig[];
  routes?: ParsedRoute[];
}

/** A result's address that is not one; `field` names it (`ips[0].address`). */
export class ResultAddressError extends Error {
  readonly field: string;
  constructor(field: string, value: unknown, what: string) {
    super(`invalid result: ${field}: ${JSON.stringify(value)} is not ${what}`);
    this.name = 'ResultAddressError';
    this.field = field;
  }
}

/**
 * Parses the addresses of `result`: `ips[].address` and `routes[].dst` as `ip/prefix`, gateways as
 * addresses (an empty one is none). Other keys of each entry are kept as they are.
 * @throws {ResultAddressError} naming the first field that does not parse
 */
export function parseResultAddresses(result: Result): ParsedResult {
  const { ips, routes, ...rest } = result;
  const out: ParsedResult = { ...rest };
  if (ips !== undefined) {
    out.ips = ips.map((ip, i) => {
      const { address, gateway, ...other } = ip;
      const parsed: ParsedIPConfig = { ...other, address: cidrOf(address, `ips[${i}].address`) };
      return absent(gateway) ? parsed : { ...parsed, gateway: ipOf(gateway, `ips[${i}].gateway`) };
    });
  }
  if (routes !== undefined) {
    out.routes = routes.map((r, i) => {
      const { dst, gw, ...other } = r;
      const parsed: ParsedRoute = { ...other, dst: cidrOf(dst, `routes[${i}].dst`) };
      return absent(gw) ? parsed : { ...parsed, gw: ipOf(gw, `routes[${i}].gw`) };
    });
  }
  return out;
}

/** The wire form of a parsed result: every address in canonical text (Go's `net` spelling). */
export function formatResultAddresses(result: ParsedResult): Result {
  const { ips, routes, ...rest } = result;
  const out: Result = { ...rest };
  if (ips !== undefined) {
    out.ips = ips.map(({ address, gateway, ...other }) => {
      const ip: IPConfig = { ...other, address: formatCidr(address) };
      return gateway === undefined ? ip : { ...ip, gateway: formatIP(gateway) };
    });
  }
  if (routes !== undefined) {
    out.routes = routes.map(({ dst, gw, ...other }) => {
      const r: Route = { ...other, dst: formatCidr(dst) };
      return gw === undefined ? r : { ...r, gw: formatIP(gw) };
    });
  }
  return out;
}

/**
 * The addresses of a result that parse, for the best-effort verbs (DEL reads them from prevResult to
 * narrow what it removes, and must go on past one that is malformed); undefined without a result.
 */
export function resultCidrs(result: Result | undefined): Cidr[] | undefined {
  return result?.ips?.flatMap((ip) => parseCidr(ip.address) ?? []);
}

/** An empty gateway is none, as Go decodes `""` into a nil net.IP (and omitempty drops it). */
function absent(text: string | undefined): text is undefined | '' {
  return text === undefined || text === '';
}

function cidrOf(text: string, field: string): Cidr {
  const c = parseCidr(text);
  if (c === undefined) throw new ResultAddressError(field, text, 'an address with a prefix length');
  return c;
}

function ipOf(text: string, field: string): IP {
  const ip = parseIP(text);
  if (ip === undefined) throw new ResultAddressError(field, text, 'an IP address');
  return ip;
}
