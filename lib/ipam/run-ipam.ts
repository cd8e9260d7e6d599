/**
 * The IPAM delegation of a main plugin (bridge, macvlan). When the plugin CNI_PATH would exec for
 * `ipam.type` is our own host-local build, its verbs run in this process instead (the same config
 * validation, allocator, store, layout and lock, so both ways interoperate with each other and with
 * the reference binary): one process per ADD instead of two, which is most of a plugin's cost.
 * Anything else (the reference host-local, dhcp, static, a third party's) is exec'd exactly as libcni
 * delegates, with our whole stdin and environment.
 */
import {
  isBerthPlugin, delegateAdd, delegateCheck, delegateDel, delegateGc, delegateStatus, findPlugin,
  parseResultAddresses, type CmdArgs, type CommonArgs, type GcArgs, type ParsedResult,
} from '../cni';
import { hostLocalLease, hostLocalCheck, hostLocalDel, hostLocalGc, hostLocalStatus } from './host-local-commands';

/** What an attachment's IPAM verb needs of the main plugin's arguments. */
export type IpamArgs = Pick<CmdArgs, 'path' | 'stdinData' | 'env' | 'log' | 'config' | 'containerID' | 'ifName' | 'args'>;

/**
 * True when `type` in CNI_PATH is our host-local bundle (the marker scripts/build.mjs writes), so a
 * reference binary put in its place is still exec'd.
 * @throws {CniError} 7 when no such plugin is in CNI_PATH, 4 when CNI_PATH is empty
 */
export function isLocalHostLocal(type: string, path: readonly string[]): boolean {
  return isBerthPlugin(findPlugin(type, path), 'host-local');
}

/**
 * IPAM ADD: the delegate's result in the current shape (no interfaces; the caller assigns them), its
 * addresses parsed: here, once, for the whole ADD (in-process host-local hands them over unformatted).
 * @throws {ResultAddressError} a delegate's result with an address that does not parse
 */
export async function runIpamAdd(type: string, a: IpamArgs): Promise<ParsedResult> {
  if (isLocalHostLocal(type, a.path)) return hostLocalLease(a);
  return parseResultAddresses(await delegateAdd(type, a.stdinData, a.env, a.path, { log: a.log }));
}

/** IPAM DEL: releases the attachment's addresses (idempotent; in-process, reads only the store's location). */
export async function runIpamDel(type: string, a: IpamArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocalDel(a);
  return delegateDel(type, a.stdinData, a.env, a.path, { log: a.log });
}

/** IPAM CHECK: the attachment still holds the addresses prevResult names. */
export async function runIpamCheck(type: string, a: IpamArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocalCheck(a);
  return delegateCheck(type, a.stdinData, a.env, a.path, { log: a.log });
}

/** IPAM GC: forwarded as the spec requires, with the same valid-attachments list. */
export async function runIpamGc(type: string, a: GcArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocalGc(a);
  return delegateGc(type, a.stdinData, a.env, a.path, { log: a.log });
}

/** IPAM STATUS: its error is ours (the spec requires delegating STATUS); 50 when a pool is exhausted. */
export async function runIpamStatus(type: string, a: CommonArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocalStatus(a);
  return delegateStatus(type, a.stdinData, a.env, a.path, { log: a.log });
}
