/**
 * STATUS (spec 1.1): 50 while berthd holds no usable lease for the network (no lease file, an expired
 * or unreadable one): ADD would fail. Otherwise the IPAM decides, over the subnet ADD would use (50
 * when it is exhausted), run as the bridge delegate would run it.
 */
import { CniCode, CniError, loadConfig, type CommonArgs } from '../../lib/cni';
import { runIpamStatus } from '../../lib/ipam/run-ipam';
import { loadOverlayConfig } from './config';
import { bridgeConfFor, IPAM_TYPE } from './delegate-conf';
import { leaseExpired, readLeaseFile } from './lease-file';

/** STATUS: 50 as above, else the IPAM's STATUS. */
export async function cmdStatus(args: CommonArgs): Promise<void> {
  const conf = loadOverlayConfig(args.config, 'STATUS');
  let lease;
  try {
    lease = readLeaseFile(conf.leaseFile, conf.network);
  } catch (err) {
    throw new CniError(CniCode.PluginNotAvailable, (err as Error).message.replace(/^try again later: /, ''), { cause: err });
  }
  if (leaseExpired(lease)) {
    throw new CniError(CniCode.PluginNotAvailable, `the lease of network ${JSON.stringify(conf.network)} in ${conf.leaseFile} expired at ${new Date(lease.expiresAt!).toISOString()}: is berthd running?`);
  }
  const text = JSON.stringify(bridgeConfFor(conf, lease, args.config));
  await runIpamStatus(IPAM_TYPE, { ...args, stdinData: Buffer.from(text), config: loadConfig(text) });
}
