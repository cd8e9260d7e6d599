/**
 * ADD: DNAT of the mapped host ports to the container's addresses (IPv4 and IPv6), hairpin and
 * localhost masquerade, route_localnet for the localhost case, and a flush of the UDP conntrack
 * entries of the mapped ports (a stale entry would keep sending a port's datagrams to where they went
 * before). A failure removes what this ADD wrote. The result is prevResult, unchanged.
 */
import { CniCode, CniError, type CmdArgs, type Result } from '../../lib/cni';
import { containerAddresses } from './addresses';
import { setupHostports, teardownHostports } from './backend';
import { loadPortmapConfig } from './config';
import { flushUdpConntrack } from './conntrack';
import { enableLocalnetRouting } from './localnet';
import { hostportRequest } from './request';

export async function cmdAdd(args: CmdArgs): Promise<Result> {
  const conf = loadPortmapConfig(args.config);
  const prev = args.config.prevResult;
  if (!prev) throw new CniError(CniCode.InvalidNetworkConfig, 'must be called as chained plugin');
  if (conf.mappings.length === 0) return prev;
  let backend = conf.backend;
  try {
    for (const addr of containerAddresses(prev, args.ifName)) {
      backend = setupHostports(backend, hostportRequest(conf, args.containerID, addr));
      await flushUdpConntrack(addr.ip.family, conf.mappings, args.log);
      if (conf.snat && addr.ip.family === 4) await enableLocalnetRouting(addr.ip);
    }
  } catch (err) {
    try {
      teardownHostports(backend, conf.network, args.containerID);
    } catch (undoErr) {
      args.log?.warn({ err: undoErr }, 'removing the host port rules of the failed ADD failed; DEL or GC will');
    }
    throw err;
  }
  return prev;
}
