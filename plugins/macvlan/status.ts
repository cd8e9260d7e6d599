/**
 * STATUS (spec 1.1): can this plugin serve an ADD now? Not without its master: code 50 when the
 * configured master (or, without one, a default route to take it from) is missing in the host netns.
 * Then the IPAM plugin decides (50 when its pool is exhausted). With `linkInContainer` the master lives
 * in a container netns that STATUS is not given, so only the IPAM is asked.
 */
import { NetlinkHandle } from '../../lib/netlink';
import type { CommonArgs } from '../../lib/cni';
import { runIpamStatus } from '../../lib/ipam/run-ipam';
import { loadMacvlanConfig } from './config';
import { toMacvlanError } from './errors';
import { findMaster } from './master';

/** STATUS: the master's presence, then the IPAM plugin's answer in L3 mode. */
export async function cmdStatus(args: CommonArgs): Promise<void> {
  // STATUS has no CNI_ARGS.
  const conf = loadMacvlanConfig(args.config, '');
  if (!conf.linkInContainer) {
    const host = NetlinkHandle.open();
    try {
      await findMaster(host, conf);
    } catch (err) {
      throw toMacvlanError(err, 'STATUS');
    } finally {
      host.close();
    }
  }
  if (conf.ipamType !== '') await runIpamStatus(conf.ipamType, args);
}
