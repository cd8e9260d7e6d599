/**
 * GC (spec 1.1): a macvlan has no state outside its container netns (it dies with the netns), so all
 * there is to collect is the IPAM's leases of attachments not in `cni.dev/valid-attachments`: GC is
 * forwarded to the IPAM plugin, as the spec requires. Nothing to do in L2 mode.
 */
import type { GcArgs } from '../../lib/cni';
import { runIpamGc } from '../../lib/ipam/run-ipam';
import { ipamTypeOf } from './config';

/** GC: the IPAM plugin's GC, with the same stdin (and so the same valid-attachments list). */
export async function cmdGc(args: GcArgs): Promise<void> {
  const ipamType = ipamTypeOf(args.config);
  if (ipamType !== '') await runIpamGc(ipamType, args);
}
