/**
 * ADD: read the node lease, store the generated bridge config, delegate to bridge (which runs the
 * host-local IPAM), then masquerade what leaves the cluster CIDR. A failure after the delegate's ADD
 * is undone by the delegate's DEL; the delegate undoes its own failures.
 *
 * The stored config is what DEL needs to release the attachment, so ADD never replaces one (code 121:
 * a repeated ADD would otherwise overwrite a live attachment's config, and its undo delete it), and a
 * failed ADD keeps its own when the delegate's DEL failed: the runtime's DEL then retries it.
 */
import { delegateAdd, delegateDel, parseResultAddresses, type CmdArgs, type Result } from '../../lib/cni';
import { UndoStack } from '../../lib/util';
import { loadOverlayConfig } from './config';
import { bridgeConfFor, delegateStdin, DELEGATE_TYPE, delegateOptions } from './delegate-conf';
import { firewall } from './firewall';
import { leaseExpired, readLeaseFile } from './lease-file';
import { alreadyAttached, noLease, scratchFailed, toOverlayError } from './errors';
import { findScratch, removeScratch, scratchPath, writeScratch } from './scratch';
import { failPoint } from './add-steps';

/** ADD: the bridge delegate's result (in the current shape; the dispatcher prints it in the config's version). */
export async function cmdAdd(args: CmdArgs): Promise<Result> {
  const conf = loadOverlayConfig(args.config);
  const lease = readLeaseFile(conf.leaseFile, conf.network);
  // berthd renews well before expiry: an expired lease means it is down, and another node may take the subnet.
  if (leaseExpired(lease)) throw noLease(conf.network, conf.leaseFile, `lease expired at ${new Date(lease.expiresAt!).toISOString()} in`);

  const delegateConf = bridgeConfFor(conf, lease, args.config);
  const stdin = delegateStdin(delegateConf, conf.cniVersion, args.stdinData);
  const scratch = scratchPath(conf.dataDir, conf.network, args.containerID, args.ifName);
  const existing = findScratch(conf.dataDir, conf.network, args.containerID, args.ifName);
  if (existing.conf !== undefined) throw alreadyAttached(conf.network, args.containerID, args.ifName, existing.file);
  const undo = new UndoStack(args.log);
  let delegateUndone = true;
  try {
    // Stored first: a plugin killed during the delegate's ADD still leaves DEL what it needs.
    try {
      writeScratch(scratch, delegateConf, true);
    } catch (err) {
      // A concurrent ADD of the same attachment stored its config between our check and our write.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyAttached(conf.network, args.containerID, args.ifName, scratch);
      throw scratchFailed(conf.dataDir, scratch, err);
    }
    undo.push('scratch', () => { if (delegateUndone) removeScratch(scratch); });
    failPoint(args.env, 'overlay-scratch');
    const result = await delegateAdd(DELEGATE_TYPE, stdin, args.env, args.path, delegateOptions(args.log));
    undo.push('delegate', async () => {
      try {
        await delegateDel(DELEGATE_TYPE, stdin, args.env, args.path, delegateOptions(args.log));
      } catch (err) {
        delegateUndone = false; // the IP lease may still be held: keep the config for the runtime's DEL
        throw err;
      }
    });
    failPoint(args.env, 'overlay-delegate');
    if (conf.ipMasq) {
      const att = { network: conf.network, containerId: args.containerID, ifname: args.ifName };
      const ips = (parseResultAddresses(result).ips ?? []).map((ip) => ip.address);
      // Pushed first: the IPv4 batch may apply and the IPv6 one fail (see the bridge's l3.ts).
      undo.push('ipmasq', () => firewall().teardownIpMasq(att, { ips }));
      firewall().setupIpMasq({ ...att, ips, exclude: [lease.network] });
    }
    failPoint(args.env, 'overlay-ipmasq');
    return result;
  } catch (err) {
    await undo.unwind();
    throw toOverlayError(err);
  }
}
