/** The reference's `calcGateways`: gateways and default routes derived from an IPAM result. */
import type { ParsedResult, ParsedRoute } from '../../lib/cni';
import { networkOf, type Cidr, type Family } from '../../lib/ip';
import type { BridgeConfig } from './config';

/** A gateway address to put on the bridge: `gw/prefix` of the container's subnet. */
export interface GatewayAddr {
  readonly family: Family;
  readonly cidr: Cidr;
}

const DEFAULT_DST: Record<Family, Cidr> = { 4: { ip: { family: 4, value: 0n }, prefix: 0 }, 6: { ip: { family: 6, value: 0n }, prefix: 0 } };

/**
 * Completes an IPAM result for the container interface (index 2 in the bridge's result): each address
 * gets `interface: 2`; with isGateway, an address without a gateway gets its subnet's first address;
 * with isDefaultGateway, each family gets a default route via its gateway unless IPAM already gave one
 * with a `gw`. Returns the new result and the gateway addresses the bridge must carry (isGateway).
 */
export function calcGateways(ipam: ParsedResult, conf: Pick<BridgeConfig, 'isGateway' | 'isDefaultGateway'>): { result: ParsedResult; gateways: GatewayAddr[] } {
  const routes: ParsedRoute[] = [...(ipam.routes ?? [])];
  const defaultDone = new Set<Family>();
  const gateways: GatewayAddr[] = [];
  const ips = (ipam.ips ?? []).map((orig) => {
    const { address } = orig;
    const family = address.ip.family;
    const gateway = orig.gateway ?? (conf.isGateway ? { family, value: networkOf(address) + 1n } : undefined);
    if (conf.isDefaultGateway && !defaultDone.has(family)) {
      if (!routes.some((r) => r.gw !== undefined && r.dst.ip.family === family && r.dst.prefix === 0)) {
        routes.push(gateway === undefined ? { dst: DEFAULT_DST[family] } : { dst: DEFAULT_DST[family], gw: gateway });
      }
      defaultDone.add(family);
    }
    if (conf.isGateway && gateway !== undefined) gateways.push({ family, cidr: { ip: gateway, prefix: address.prefix } });
    return gateway === undefined ? { ...orig, interface: 2 } : { ...orig, interface: 2, gateway };
  });
  const result: ParsedResult = { ...ipam, ips };
  if (routes.length > 0) result.routes = routes;
  return { result, gateways };
}
