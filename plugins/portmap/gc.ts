/**
 * GC (spec 1.1): removes the iptables host port rules of this network's containers that are not in
 * `cni.dev/valid-attachments`. The iptables rules name the network and the container in their
 * comment; the nftables rules (the reference's format) name only the container, so they cannot be
 * told apart from another network's and are left to DEL.
 */
import type { GcArgs } from '../../lib/cni';
import { listIptablesHostports, teardownIptablesHostports } from '../../lib/firewall';
import { backendForCleanup } from './config';

export async function cmdGc(args: GcArgs): Promise<void> {
  if (args.validAttachments === undefined || backendForCleanup(args.config) === 'nftables') return;
  const valid = new Set(args.validAttachments.map((a) => a.containerID));
  for (const id of listIptablesHostports(args.config.name)) if (!valid.has(id)) teardownIptablesHostports(args.config.name, id);
}
