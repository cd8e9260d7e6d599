/** The reference's `calcGateways`: gateways and default routes derived from an IPAM result. */
import type { Result, Route } from '../../lib/cni';
import { formatIP, networkOf, parseCidr, type Family } from '../../lib/ip';
import type { BridgeConfig } from './config';

/** A gateway address to put on the bridge: `gw/prefix` of the container's subnet. */
export interface GatewayAddr {
  readonly family: Family;
  readonly cidr: string;
}

const DEFAULT_DST: Record<Family, string> = { 4: '0.0.0.0/0', 6: '::/0' };

/**
 * Completes an IPAM result for the container interface (index 2 in the bridge's result): each address
 * gets `interface: 2`; with isGateway, an address without a gateway gets its subnet's first address;
 * with isDefaultGateway, each family gets a default route via its gateway unless IPAM already gave one
 * with a `gw`. Returns the new result and the gateway addresses the bridge must carry (isGateway).
 * @throws {Error} an address that is not `ip/prefix`
 */
export function calcGateways(ipam: Result, conf: Pick<BridgeConfig, 'isGateway' | 'isDefaultGateway'>): { result: Result; gateways: GatewayAddr[] } {
  const routes: Route[] = [...(ipam.routes ?? [])];
  const defaultDone = new Set<Family>();
  const gateways: GatewayAddr[] = [];
  const ips = (ipam.ips ?? []).map((orig) => {
    const ipc = { ...orig, interface: 2 };
    const cidr = parseCidr(ipc.address);
    if (!cidr) throw new Error(`Unknown IP object: ${JSON.stringify(ipc.address)}`);
    const family = cidr.ip.family;
    if (ipc.gateway === undefined && conf.isGateway) ipc.gateway = formatIP({ family, value: networkOf(cidr) + 1n });
    if (conf.isDefaultGateway && !defaultDone.has(family)) {
      if (!routes.some((r) => r.gw !== undefined && isDefault(r.dst, family))) routes.push({ dst: DEFAULT_DST[family], gw: ipc.gateway });
      defaultDone.add(family);
    }
    if (conf.isGateway && ipc.gateway !== undefined) gateways.push({ family, cidr: `${ipc.gateway}/${cidr.prefix}` });
    return ipc;
  });
  const result: Result = { ...ipam, ips };
  if (routes.length > 0) result.routes = routes;
  return { result, gateways };
}

function isDefault(dst: string, family: Family): boolean {
  const c = parseCidr(dst);
  return c !== undefined && c.ip.family === family && c.prefix === 0;
}
