/**
 * The bridge configuration an overlay attachment is made with, as flannel's CNI plugin generates its
 * delegate's from subnet.env: the node's bridge as gateway of the leased subnet, the lease's MTU, and
 * host-local IPAM over that subnet with a route to the cluster CIDR and a default route via the
 * gateway. Masquerade is ours (the bridge's would also NAT traffic to the other hosts' containers).
 */
import { formatIP, networkOf, parseCidr } from '../../lib/ip';
import type { DelegateOptions, NetConf } from '../../lib/cni';
import type { Logger } from '../../lib/log';
import type { NodeLeaseFile } from '../../lib/overlay';
import { bridgePlugin } from '../bridge/plugin';
import type { OverlayConfig } from './config';

/** The delegate's executable (found in CNI_PATH). */
export const DELEGATE_TYPE = 'bridge';
/**
 * How each verb reaches the delegate: in this process when CNI_PATH's bridge is berth's own (this
 * bundle carries the same code), else by exec, as a reference bridge put in its place must be.
 */
export function delegateOptions(log: Logger | undefined): DelegateOptions {
  return { ...(log ? { log } : {}), inProcess: bridgePlugin };
}

/** The delegate's IPAM. */
export const IPAM_TYPE = 'host-local';

/** Keys of our config handed on unchanged: DNS, capability arguments and CNI args. */
const PASSED_ON = ['dns', 'runtimeConfig', 'args', 'capabilities'] as const;

/** The first address of the node's subnet: the bridge's, and the containers' gateway. */
export function gatewayOf(subnet: string): string {
  const cidr = parseCidr(subnet);
  if (!cidr) throw new TypeError(`not a CIDR: ${JSON.stringify(subnet)}`);
  return formatIP({ family: cidr.ip.family, value: networkOf(cidr) + 1n });
}

/**
 * The bridge config for `lease` (no prevResult: the caller adds the one it was given). `raw` is our
 * own config, whose dns, runtimeConfig (ips, mac), args and capabilities reach the delegate.
 */
export function bridgeConfFor(conf: OverlayConfig, lease: NodeLeaseFile, raw: NetConf): NetConf {
  const out: NetConf = {
    cniVersion: conf.cniVersion,
    name: conf.network,
    type: DELEGATE_TYPE,
    bridge: lease.bridge,
    isGateway: true,
    isDefaultGateway: true,
    ipMasq: false,
    hairpinMode: conf.hairpinMode,
    mtu: lease.mtu,
    ipam: {
      type: IPAM_TYPE,
      dataDir: conf.dataDir,
      ranges: [[{ subnet: lease.subnet, gateway: gatewayOf(lease.subnet) }]],
      routes: [{ dst: lease.network }],
    },
  };
  for (const key of PASSED_ON) if (raw[key] !== undefined) (out as Record<string, unknown>)[key] = raw[key];
  return out;
}

/**
 * The stdin for one delegated verb: `delegateConf` in the version of the call, with the caller's
 * prevResult exactly as it came (already in that version), for CHECK and DEL.
 */
export function delegateStdin(delegateConf: NetConf, cniVersion: string, stdinData: Buffer): string {
  const conf: Record<string, unknown> = { ...delegateConf, cniVersion };
  delete conf.prevResult;
  const prev = rawPrevResult(stdinData);
  if (prev !== undefined) conf.prevResult = prev;
  return JSON.stringify(conf);
}

/** The prevResult of our stdin as written (the dispatcher's copy is converted to the current shape). */
function rawPrevResult(stdinData: Buffer): unknown {
  try {
    return (JSON.parse(stdinData.toString('utf8')) as { prevResult?: unknown }).prevResult;
  } catch {
    return undefined;
  }
}
