/**
 * DEL: best effort and idempotent. The delegate config ADD stored is replayed to the bridge's DEL
 * (which finds the veth by its alias when CNI_NETNS is empty or gone, and releases the lease), so
 * neither the netns nor the lease file needs to exist; the masquerade chain is removed by its name.
 * The stored config goes last, once everything else is gone, so a failed DEL can be repeated. A config
 * at the old location (`<dataDir>/overlay/`, an earlier version's ADD) is used and removed the same way.
 */
import { delegateDel, resultCidrs, type CmdArgs } from '../../lib/cni';
import { BestEffort } from '../../lib/util';
import { loadOverlayConfig } from './config';
import { delegateStdin, DELEGATE_TYPE, delegateOptions } from './delegate-conf';
import { firewall } from './firewall';
import { findScratch, removeScratch } from './scratch';

/** DEL: every step attempted; the failures are reported together. */
export async function cmdDel(args: CmdArgs): Promise<void> {
  const conf = loadOverlayConfig(args.config, 'DEL');
  const { file: scratch, conf: stored } = findScratch(conf.dataDir, conf.network, args.containerID, args.ifName);
  const steps = new BestEffort();
  // No stored config: ADD never reached the delegate (or a DEL already finished), as flannel decides.
  if (stored) await steps.attempt(() => delegateDel(DELEGATE_TYPE, delegateStdin(stored, conf.cniVersion, args.stdinData), args.env, args.path, delegateOptions(args.log)));
  const ips = resultCidrs(args.config.prevResult);
  if (conf.ipMasq) await steps.attempt(() => firewall().teardownIpMasq({ network: conf.network, containerId: args.containerID, ifname: args.ifName }, ips ? { ips } : {}));
  if (steps.ok) await steps.attempt(() => removeScratch(scratch));
  steps.throwIfFailed((errors) => new AggregateError(errors, (errors[0] as Error).message));
}
