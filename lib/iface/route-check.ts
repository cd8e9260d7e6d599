/**
 * The routes of a result, checked against the addresses it gives the interface before anything is
 * applied: the kernel refuses a gateway outside every on-link subnet (ENETUNREACH), which would
 * otherwise surface as an unnamed failure after the links exist.
 */
import type { ParsedResult } from '../cni';
import { formatCidr, formatIP, lastOf, networkOf, type Cidr, type Family, type IP } from '../ip';

/** A result's route whose gateway the interface cannot reach; `field` names it (`routes[1].gw`). */
export class UnreachableGatewayError extends Error {
  readonly field: string;
  constructor(field: string, msg: string) {
    super(`invalid result: ${field}: ${msg}`);
    this.name = 'UnreachableGatewayError';
    this.field = field;
  }
}

/**
 * Throws for the first route of `result` whose gateway (its own `gw`, else the first `ips[].gateway`
 * of its family, as configureIface picks it) lies in none of `subnets`, the interface's addresses.
 * @throws {UnreachableGatewayError}
 */
export function checkRouteGateways(result: Pick<ParsedResult, 'ips' | 'routes'>, subnets: readonly Cidr[], ifName: string): void {
  const implicit = new Map<Family, { gw: IP; field: string }>();
  (result.ips ?? []).forEach((ipc, i) => {
    const gw = ipc.gateway;
    if (gw && !implicit.has(gw.family)) implicit.set(gw.family, { gw, field: `ips[${i}].gateway` });
  });
  (result.routes ?? []).forEach((r, i) => {
    const via = r.gw !== undefined ? { gw: r.gw, field: `routes[${i}].gw` } : implicit.get(r.dst.ip.family);
    if (!via) return; // a device route: nothing to reach
    const gw = via.gw;
    const onLink = subnets.filter((c) => c.ip.family === gw.family);
    if (onLink.some((c) => gw.value >= networkOf(c) && gw.value <= lastOf(c))) return;
    const where = onLink.length === 0 ? `${ifName} gets no IPv${gw.family} address` : `it is in none of the subnets of ${ifName} (${onLink.map(maskedText).join(', ')})`;
    throw new UnreachableGatewayError(via.field, `gateway ${formatIP(gw)} of route to ${formatCidr(r.dst)} is unreachable: ${where}`);
  });
}

/** `dst` with its host bits cleared (10.1.2.3/16 → 10.1.0.0/16), as the kernel requires of a route. */
export function maskedDst(dst: Cidr): string {
  return maskedText(dst);
}

function maskedText(c: Cidr): string {
  return formatCidr({ ip: { family: c.ip.family, value: networkOf(c) }, prefix: c.prefix });
}

/** IPV6_MIN_MTU: the kernel drops a device's IPv6 configuration below it (addrconf_notify). */
export const IPV6_MIN_MTU = 1280;

/** An interface whose MTU is too small for the IPv6 address it is to get. */
export class Ipv6MtuError extends Error {
  constructor(ifName: string, mtu: number, address: string) {
    super(`invalid config: /mtu: interface ${JSON.stringify(ifName)} has MTU ${mtu}, below ${IPV6_MIN_MTU}, the least IPv6 allows, so it cannot take IPv6 address ${address} (the kernel removes its IPv6 configuration)`);
    this.name = 'Ipv6MtuError';
  }
}
