/**
 * The CNI configuration list of a berth network: one plugin, our bridge or macvlan, with host-local
 * IPAM in the reference layout, at spec 1.1.0 (or our overlay plugin, which generates its own). What Docker's bridge and macvlan drivers do, said in
 * the reference plugins' keys.
 */
import path from 'node:path';
import { parseConfList, type NetworkConfigList } from '../../cni/runtime';
import { DEFAULT_RUN_DIR } from '../../paths';
import { firstHost, parseSubnet, rangeBounds } from './subnets';
import { NetworkError, OPT_BRIDGE_NAME, OPT_IP_MASQUERADE, OPT_MACVLAN_MODE, OPT_MTU, OPT_PARENT, type NetworkInfo } from './types';

/** The list version: ours and the reference plugins' newest. */
export const NETWORK_CNI_VERSION = '1.1.0';

/** What one container adds to its network's list. */
export interface ConfListOptions {
  /**
   * It publishes ports (`-p`): berth's portmap is chained after the bridge (given the mappings as the
   * `portMappings` capability) and the veth gets hairpin mode. A container without ports does not pay
   * for a portmap exec on every start and stop.
   */
  publish?: boolean;
}

/**
 * The portmap entry: Docker's NAT for published ports (DNAT from the host's addresses, localhost and
 * hairpin included, the `snat` masquerade for those two).
 */
const PORTMAP = { type: 'portmap', capabilities: { portMappings: true }, snat: true };

/** The Linux bridge of a bridge network: `-o com.docker.network.bridge.name`, else `br-<12 of id>`. */
export function bridgeNameOf(net: NetworkInfo): string {
  return net.options[OPT_BRIDGE_NAME] ?? `br-${net.id.slice(0, 12)}`;
}

/** Go's strconv.ParseBool, which Docker uses for boolean options. */
export function parseBoolOption(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/**
 * The list for a bridge or macvlan network (`cniDir` holds host-local's `networks/<name>` leases).
 * bridge: isGateway, ipMasq unless internal or enable_ip_masquerade=false, hairpin off, a default
 * route unless internal. macvlan: master (unset: the default-route link, as the plugin decides),
 * mode, a default route only through an explicit gateway. Both declare the `ips` and `mac`
 * capabilities (`--ip`, `--mac-address`).
 * @throws {NetworkError} for host and null networks, which have no plugins
 */
export function networkConfList(net: NetworkInfo, cniDir: string, opts: ConfListOptions = {}): NetworkConfigList {
  if (net.driver === 'overlay') return overlayConfList(net, cniDir, opts);
  if (net.driver !== 'bridge' && net.driver !== 'macvlan') {
    throw new NetworkError(`network ${net.name} uses the ${net.driver} driver, which has no CNI configuration`, 'invalid');
  }
  if (net.subnet === undefined) throw new NetworkError(`network ${net.name} has no subnet`, 'invalid');
  const subnet = parseSubnet(net.subnet);
  const range: Record<string, string> = { subnet: net.subnet };
  const gateway = net.gateway ?? (net.driver === 'bridge' ? firstHost(subnet) : undefined);
  if (gateway !== undefined) range.gateway = gateway;
  if (net.ipRange !== undefined) Object.assign(range, rangeBounds(subnet, parseSubnet(net.ipRange, 'ip-range')));
  const defaultRoute = !net.internal && gateway !== undefined;
  const ipam = {
    type: 'host-local',
    dataDir: path.join(cniDir, 'networks'),
    ranges: [[range]],
    ...(defaultRoute ? { routes: [{ dst: '0.0.0.0/0' }] } : {}),
  };
  const mtu = net.options[OPT_MTU] === undefined ? {} : { mtu: Number(net.options[OPT_MTU]) };
  const capabilities = { ips: true, mac: true };
  const plugin: Record<string, unknown> =
    net.driver === 'bridge'
      ? {
          type: 'bridge',
          bridge: bridgeNameOf(net),
          isGateway: true,
          ipMasq: !net.internal && parseBoolOption(net.options[OPT_IP_MASQUERADE] ?? 'true') !== false,
          // A container reaching its own published port comes back through its own bridge port.
          hairpinMode: opts.publish === true,
          ...mtu,
          capabilities,
          ipam,
        }
      : {
          type: 'macvlan',
          ...(net.options[OPT_PARENT] ? { master: net.options[OPT_PARENT] } : {}),
          mode: net.options[OPT_MACVLAN_MODE] ?? 'bridge',
          ...mtu,
          capabilities,
          ipam,
        };
  const plugins = net.driver === 'bridge' && opts.publish ? [plugin, PORTMAP] : [plugin];
  const list = { cniVersion: NETWORK_CNI_VERSION, name: net.name, plugins };
  return parseConfList(JSON.stringify(list), `network ${net.name}`);
}

/**
 * The list for an overlay network: our overlay plugin, which reads the subnet and MTU from the lease
 * berthd writes under `runDir` (recorded at creation) and keeps host-local's leases under
 * `<cniDir>/networks` like the other networks. `ips` and `mac` reach its bridge delegate.
 */
function overlayConfList(net: NetworkInfo, cniDir: string, opts: ConfListOptions): NetworkConfigList {
  const plugin = {
    type: 'overlay',
    runDir: net.overlay?.runDir ?? DEFAULT_RUN_DIR,
    dataDir: path.join(cniDir, 'networks'),
    capabilities: { ips: true, mac: true },
  };
  const plugins = opts.publish ? [plugin, PORTMAP] : [plugin];
  const list = { cniVersion: NETWORK_CNI_VERSION, name: net.name, plugins };
  return parseConfList(JSON.stringify(list), `network ${net.name}`);
}
