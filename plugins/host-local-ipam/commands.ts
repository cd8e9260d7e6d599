import type { CmdArgs, CommonArgs, GcArgs, Result } from '../../lib/cni';
import { ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus, type Owner } from '../../lib/ipam/host-local';
import { loadHostLocalConfig, loadStoreRef } from './config';

/** ADD: one address per range set; the dispatcher prints the result in the config's version. */
export async function cmdAdd(args: CmdArgs): Promise<Result> {
  return ipamAdd(loadHostLocalConfig(args.config, args.args), owner(args));
}

/** DEL: release the attachment's leases; idempotent, and independent of the ranges. */
export async function cmdDel(args: CmdArgs): Promise<void> {
  await ipamDel(loadStoreRef(args.config), owner(args));
}

/** CHECK: the attachment holds its leases, including every address prevResult names in our ranges. */
export async function cmdCheck(args: CmdArgs): Promise<void> {
  await ipamCheck(loadHostLocalConfig(args.config, args.args), owner(args), args.config.prevResult);
}

/** GC: release the leases of attachments not in `cni.dev/valid-attachments`. */
export async function cmdGc(args: GcArgs): Promise<void> {
  await ipamGc(loadStoreRef(args.config), args.validAttachments);
}

/** STATUS: code 50 when a range set has no free address. */
export async function cmdStatus(args: CommonArgs): Promise<void> {
  await ipamStatus(loadHostLocalConfig(args.config));
}

function owner(args: CmdArgs): Owner {
  return { containerID: args.containerID, ifname: args.ifName };
}
