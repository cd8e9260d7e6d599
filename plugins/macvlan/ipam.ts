/**
 * The IPAM delegation. When the plugin CNI_PATH would exec for `ipam.type` is our own host-local build,
 * its verbs run in this process through lib/ipam (the same allocator, store, layout and lock, so both
 * ways interoperate with each other and with the reference binary): one process per ADD instead of two.
 * Anything else (the reference host-local, dhcp, static, a third party's) is exec'd exactly as libcni
 * delegates, with our whole stdin and environment.
 */
import {
  delegateAdd, delegateCheck, delegateDel, delegateGc, delegateStatus, findPlugin, isBerthPlugin, pickCniArgs,
  type CmdArgs, type CommonArgs, type GcArgs, type Result,
} from '../../lib/cni';
import * as hostLocal from '../../lib/ipam/host-local';

/** What an attachment's IPAM verb needs of the plugin's arguments. */
export type IpamArgs = Pick<CmdArgs, 'path' | 'stdinData' | 'env' | 'log' | 'config' | 'containerID' | 'ifName' | 'args'>;

/**
 * True when `type` in CNI_PATH is our host-local bundle (the marker scripts/build.mjs writes), so a
 * reference binary put in its place is still exec'd.
 * @throws {CniError} 7 when no such plugin is in CNI_PATH, 4 when CNI_PATH is empty
 */
export function isLocalHostLocal(type: string, path: readonly string[]): boolean {
  return isBerthPlugin(findPlugin(type, path), 'host-local');
}

/** host-local's own view of the config, as its executable would read it. */
function netConf(a: Pick<CmdArgs, 'config'>): hostLocal.HostLocalNetConf {
  return a.config as unknown as hostLocal.HostLocalNetConf;
}

/** host-local reads CNI_ARGS `IP=` and, like the executable, refuses other keys unless IgnoreUnknown. */
function fullConfig(a: IpamArgs): hostLocal.HostLocalConfig {
  return hostLocal.resolveHostLocalConfig(netConf(a), pickCniArgs(a.args, ['IP']).IP);
}

function owner(a: IpamArgs): hostLocal.Owner {
  return { containerID: a.containerID, ifname: a.ifName };
}

/** IPAM ADD: the delegate's result in the current shape (no interfaces; the caller assigns them). */
export async function ipamAdd(type: string, a: IpamArgs): Promise<Result> {
  if (isLocalHostLocal(type, a.path)) return hostLocal.ipamAdd(fullConfig(a), owner(a));
  return delegateAdd(type, a.stdinData, a.env, a.path, { log: a.log });
}

/** IPAM DEL: releases the attachment's addresses (idempotent; reads only the store's location). */
export async function ipamDel(type: string, a: IpamArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocal.ipamDel(hostLocal.resolveStoreRef(netConf(a)), owner(a));
  return delegateDel(type, a.stdinData, a.env, a.path, { log: a.log });
}

/** IPAM CHECK: the attachment still holds the addresses prevResult names. */
export async function ipamCheck(type: string, a: IpamArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocal.ipamCheck(fullConfig(a), owner(a), a.config.prevResult);
  return delegateCheck(type, a.stdinData, a.env, a.path, { log: a.log });
}

/** IPAM GC: forwarded as the spec requires, with the same valid-attachments list. */
export async function ipamGc(type: string, a: GcArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocal.ipamGc(hostLocal.resolveStoreRef(netConf(a)), a.validAttachments);
  return delegateGc(type, a.stdinData, a.env, a.path, { log: a.log });
}

/** IPAM STATUS: its error is ours (the spec requires delegating STATUS); 50 when a pool is exhausted. */
export async function ipamStatus(type: string, a: CommonArgs): Promise<void> {
  if (isLocalHostLocal(type, a.path)) return hostLocal.ipamStatus(hostLocal.resolveHostLocalConfig(netConf(a)));
  return delegateStatus(type, a.stdinData, a.env, a.path, { log: a.log });
}
