/**
 * The IPAM delegation. When the plugin CNI_PATH would exec for `ipam.type` is our own host-local
 * build, its verbs run in this process instead (the same functions over the same store, layout and
 * lock): one process per ADD instead of two, which is most of a plugin's cost. Anything else (the
 * reference host-local, dhcp, static, a third party's) is exec'd exactly as libcni delegates.
 */
import {
  delegateAdd, delegateCheck, delegateDel, delegateGc, delegateStatus, findPlugin, isBerthPlugin,
  type CmdArgs, type CommonArgs, type GcArgs, type Result,
} from '../../lib/cni';
import { cmdAdd, cmdCheck, cmdDel, cmdGc, cmdStatus } from '../host-local-ipam/commands';

/** How one IPAM verb is carried out: in-process (`local`) or by exec of `file`. */
export interface IpamRoute {
  readonly local: boolean;
  readonly file: string;
}

/**
 * Decides where `type` runs: the first executable of that name in CNI_PATH, in-process when it is our
 * host-local bundle (recognised by the marker scripts/build.mjs writes, so a reference binary put in
 * its place is exec'd).
 * @throws {CniError} 7 when no such plugin is in CNI_PATH, 4 when CNI_PATH is empty
 */
export function routeIpam(type: string, path: readonly string[]): IpamRoute {
  const file = findPlugin(type, path);
  return { local: isBerthPlugin(file, 'host-local'), file };
}

type AttachmentArgs = Pick<CmdArgs, 'path' | 'stdinData' | 'env' | 'log' | 'config' | 'containerID' | 'ifName' | 'args' | 'netns'>;

/** IPAM ADD: the delegate's result in the current shape (no interfaces; the caller assigns them). */
export async function ipamAdd(type: string, args: AttachmentArgs): Promise<Result> {
  if (routeIpam(type, args.path).local) return cmdAdd({ ...args, command: 'ADD' });
  return delegateAdd(type, args.stdinData, args.env, args.path, { log: args.log });
}

/** IPAM DEL: releases the attachment's addresses (idempotent). */
export async function ipamDel(type: string, args: AttachmentArgs): Promise<void> {
  if (routeIpam(type, args.path).local) return cmdDel({ ...args, command: 'DEL' });
  return delegateDel(type, args.stdinData, args.env, args.path, { log: args.log });
}

/** IPAM CHECK: the attachment still holds its addresses. */
export async function ipamCheck(type: string, args: AttachmentArgs): Promise<void> {
  if (routeIpam(type, args.path).local) return cmdCheck({ ...args, command: 'CHECK' });
  return delegateCheck(type, args.stdinData, args.env, args.path, { log: args.log });
}

/** IPAM GC: forwarded as the spec requires, with the same valid-attachments list. */
export async function ipamGc(type: string, args: GcArgs): Promise<void> {
  if (routeIpam(type, args.path).local) return cmdGc(args);
  return delegateGc(type, args.stdinData, args.env, args.path, { log: args.log });
}

/** IPAM STATUS: its error is ours (the spec requires delegating STATUS). */
export async function ipamStatus(type: string, args: CommonArgs): Promise<void> {
  if (routeIpam(type, args.path).local) return cmdStatus(args);
  return delegateStatus(type, args.stdinData, args.env, args.path, { log: args.log });
}
