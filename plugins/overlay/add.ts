/**
 * ADD: read the node lease, store the generated bridge config, delegate to bridge (which runs the
 * host-local IPAM), then masquerade what leaves the cluster CIDR. A failure after the delegate's ADD
 * is undone by the delegate's DEL; the delegate undoes its own failures.
 */
import { delegateAdd, delegateDel, UndoStack, type CmdArgs, type Result } from '../../lib/cni';
import { loadOverlayConfig } from './config';
import { bridgeConfFor, delegateStdin, DELEGATE_TYPE } from './delegate-conf';
import { firewall } from './firewall';
import { leaseExpired, readLeaseFile } from './lease-file';
import { noLease } from './errors';
import { removeScratch, scratchPath, writeScratch } from './scratch';
import { failPoint } from './add-steps';

/** ADD: the bridge delegate's result (in the current shape; the dispatcher prints it in the config's version). */
export async function cmdAdd(args: CmdArgs): Promise<Result> {
  const conf = loadOverlayConfig(args.config);
  const lease = readLeaseFile(conf.leaseFile, conf.network);
  // berthd renews well before expiry: an expired lease means it is down, and another node may take the subnet.
  if (leaseExpired(lease)) throw noLease(conf.network, conf.leaseFile, `lease expired at ${new Date(lease.expiresAt!).toISOString()} in`);

  const delegateConf = bridgeConfFor(conf, lease, args.config);
  const stdin = delegateStdin(delegateConf, conf.cniVersion, args.stdinData);
  const scratch = scratchPath(conf.dataDir, args.containerID, args.ifName);
  const undo = new UndoStack(args.log);
  try {
    // Stored first: a plugin killed during the delegate's ADD still leaves DEL what it needs.
    writeScratch(scratch, delegateConf);
    undo.push('scratch', () => removeScratch(scratch));
    failPoint(args.env, 'overlay-scratch');
    const result = await delegateAdd(DELEGATE_TYPE, stdin, args.env, args.path, { log: args.log });
    undo.push('delegate', () => delegateDel(DELEGATE_TYPE, stdin, args.env, args.path, { log: args.log }));
    failPoint(args.env, 'overlay-delegate');
    if (conf.ipMasq) {
      const att = { network: conf.network, containerId: args.containerID, ifname: args.ifName };
      firewall().setupIpMasq({ ...att, ips: (result.ips ?? []).map((ip) => ip.address), exclude: [lease.network] });
      undo.push('ipmasq', () => firewall().teardownIpMasq(att));
    }
    failPoint(args.env, 'overlay-ipmasq');
    return result;
  } catch (err) {
    await undo.unwind();
    throw err;
  }
}
