/**
 * `-o key=value` of `network create`, checked as Docker's bridge and macvlan drivers check them. Keys
 * berth does not know are kept (Docker stores them too) and shown by inspect.
 */
import { validateNewIfName } from '../../cni';
import { parseBoolOption, bridgeNameOf } from './network-conflist';
import { NetworkError, OPT_BRIDGE_NAME, OPT_ENABLE_ICC, OPT_IP_MASQUERADE, OPT_ISOLATE, OPT_MACVLAN_MODE, OPT_MTU, OPT_PARENT, type NetworkInfo } from './types';

/** Docker's macvlan modes (the plugin also has `source`, which Docker does not offer). */
const MACVLAN_MODES = ['bridge', 'private', 'vepa', 'passthru'];

/**
 * Checks the options of a new network against the driver and the networks that exist.
 * @throws {NetworkError} naming the option and value
 */
export function checkOptions(net: NetworkInfo, others: readonly NetworkInfo[]): void {
  const o = net.options;
  if (o[OPT_MTU] !== undefined) {
    const mtu = Number(o[OPT_MTU]);
    if (!/^\d+$/.test(o[OPT_MTU]) || mtu < 68 || mtu > 65535) {
      throw new NetworkError(`invalid value ${JSON.stringify(o[OPT_MTU])} for option ${OPT_MTU}: an MTU is an integer from 68 to 65535`, 'invalid');
    }
  }
  if (net.driver === 'bridge') {
    for (const key of [OPT_IP_MASQUERADE, OPT_ISOLATE, OPT_ENABLE_ICC]) {
      if (o[key] !== undefined && parseBoolOption(o[key]) === undefined) {
        throw new NetworkError(`invalid value ${JSON.stringify(o[key])} for option ${key}: expected true or false`, 'invalid');
      }
    }
    // Docker's enable_icc=false drops traffic between two containers of one bridge, which the host
    // sees in iptables only through br_netfilter (bridge-nf-call-iptables), a host-wide module berth
    // does not load: accepting it would promise a separation that is not there.
    if (parseBoolOption(o[OPT_ENABLE_ICC] ?? 'true') === false) {
      throw new NetworkError(`option ${OPT_ENABLE_ICC}=false is not supported: berth does not filter traffic inside a bridge (it would need br_netfilter)`, 'invalid');
    }
    const bridge = bridgeNameOf(net);
    ifName(bridge, OPT_BRIDGE_NAME);
    const owner = others.find((n) => n.driver === 'bridge' && bridgeNameOf(n) === bridge);
    if (owner) throw new NetworkError(`bridge name ${bridge} is already used by network ${owner.name}`, 'conflict');
  }
  if (net.driver === 'macvlan') {
    const mode = o[OPT_MACVLAN_MODE];
    if (mode !== undefined && !MACVLAN_MODES.includes(mode)) {
      throw new NetworkError(`requested macvlan mode '${mode}' is not valid, 'bridge' mode is the macvlan driver default`, 'invalid');
    }
    const parent = o[OPT_PARENT];
    if (parent !== undefined) {
      ifName(parent, OPT_PARENT);
      const owner = others.find((n) => n.driver === 'macvlan' && n.options[OPT_PARENT] === parent);
      if (owner) throw new NetworkError(`network ${owner.name} is already using parent interface ${parent}`, 'conflict');
    }
  }
}

function ifName(name: string, option: string): void {
  try {
    // Names berth will create (a bridge) or put a macvlan on: what the kernel takes as given.
    validateNewIfName(name, option);
  } catch (err) {
    throw new NetworkError((err as Error).message, 'invalid');
  }
}
