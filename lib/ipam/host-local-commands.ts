/**
 * host-local's verbs over the CNI arguments: config loaded and validated as the executable loads it,
 * then lib/ipam/host-local. The host-local executable's main.ts wires these to the dispatcher, and
 * run-ipam.ts calls them in-process; the arguments are the few each verb reads, so both can pass theirs.
 */
import { formatResultAddresses, type CmdArgs, type GcArgs, type ParsedResult, type Result } from '../cni';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus, type Owner } from './host-local';
import { loadHostLocalConfig, loadStoreRef } from './load-config';

/** What an attachment's verb reads: the config, CNI_ARGS and the attachment's container ID and ifname. */
export type HostLocalArgs = Pick<CmdArgs, 'config' | 'args' | 'containerID' | 'ifName'>;

/** ADD: one address per range set; the dispatcher prints the result in the config's version. */
export async function hostLocalAdd(args: HostLocalArgs): Promise<Result> {
  return formatResultAddresses(await hostLocalLease(args));
}

/** ADD for an in-process caller (run-ipam): the result with its addresses as allocated. */
export async function hostLocalLease(args: HostLocalArgs): Promise<ParsedResult> {
  return ipamAdd(loadHostLocalConfig(args.config, args.args), owner(args));
}

/** DEL: release the attachment's leases; idempotent, and independent of the ranges. */
export async function hostLocalDel(args: HostLocalArgs): Promise<void> {
  await ipamDel(loadStoreRef(args.config), owner(args));
}

/** CHECK: the attachment holds its leases, including every address prevResult names in our ranges. */
export async function hostLocalCheck(args: HostLocalArgs): Promise<void> {
  await ipamCheck(loadHostLocalConfig(args.config, args.args), owner(args), args.config.prevResult);
}

/** GC: release the leases of attachments not in `cni.dev/valid-attachments`. */
export async function hostLocalGc(args: Pick<GcArgs, 'config' | 'validAttachments'>): Promise<void> {
  await ipamGc(loadStoreRef(args.config), args.validAttachments);
}

/** STATUS: code 50 when a range set has no free address. */
export async function hostLocalStatus(args: Pick<CmdArgs, 'config'>): Promise<void> {
  await ipamStatus(loadHostLocalConfig(args.config));
}

function owner(args: HostLocalArgs): Owner {
  return { containerID: args.containerID, ifname: args.ifName };
}
