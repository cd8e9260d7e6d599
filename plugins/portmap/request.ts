/** The backend request of one container address: the config's keys for that address's family. */
import type { HostportRequest } from '../../lib/firewall';
import type { Cidr } from '../../lib/ip';
import type { PortmapConfig } from './config';

export function hostportRequest(conf: PortmapConfig, containerId: string, container: Cidr): HostportRequest {
  return {
    network: conf.network,
    containerId,
    container,
    mappings: conf.mappings,
    snat: conf.snat,
    masqAll: conf.masqAll,
    markBit: conf.markBit,
    ...(conf.setMarkChain === undefined ? {} : { setMarkChain: conf.setMarkChain }),
    conditions: container.ip.family === 4 ? conf.conditionsV4 : conf.conditionsV6,
  };
}
