/** STATUS (spec 1.1): the bridge itself needs nothing to serve ADD; the IPAM plugin decides (50 when it cannot). */
import type { CommonArgs } from '../../lib/cni';
import { runIpamStatus } from '../../lib/ipam/run-ipam';
import { loadBridgeConfig } from './config';

/** STATUS: the IPAM plugin's answer in L3 mode, success in L2 mode. */
export async function cmdStatus(args: CommonArgs): Promise<void> {
  const conf = loadBridgeConfig(args.config, '', 'STATUS');
  if (conf.ipamType !== '') await runIpamStatus(conf.ipamType, args);
}
