/**
 * Finding an attachment's host veth without its netns: by the alias ADD wrote on it
 * (`cni <network> <containerID> <ifname>`), trying the name prevResult gives first and scanning the
 * host's links only when that fails.
 */
import type { Result } from '../../lib/cni';
import { isLinkNotFound, linkByName, linkList, type Link, type NetlinkHandle } from '../../lib/netlink';
import { attachmentAlias } from '../../lib/iface';

/** The host veths in `h`'s netns tagged for (network, containerID, ifName); usually one, or none. */
export async function findHostVeths(h: NetlinkHandle, network: string, containerID: string, ifName: string, prev?: Result): Promise<Link[]> {
  const alias = attachmentAlias(network, containerID, ifName);
  for (const iface of prev?.interfaces ?? []) {
    if (iface.sandbox || !iface.name.startsWith('veth')) continue;
    const link = await linkByName(h, iface.name).catch((err: unknown) => {
      if (isLinkNotFound(err)) return undefined;
      throw err;
    });
    if (link?.kind === 'veth' && link.alias === alias) return [link];
  }
  return (await linkList(h)).filter((l) => l.kind === 'veth' && l.alias === alias);
}

/** An attachment named by a host veth's alias, when the alias is in the readable form. */
export interface TaggedVeth {
  readonly link: Link;
  readonly network: string;
  readonly containerID: string;
  readonly ifName: string;
}

/** Every host veth tagged for `network` (GC's view of the attachments that still have links). */
export async function listTaggedVeths(h: NetlinkHandle, network: string): Promise<TaggedVeth[]> {
  const out: TaggedVeth[] = [];
  for (const link of await linkList(h)) {
    if (link.kind !== 'veth' || !link.alias) continue;
    const parts = link.alias.split(' ');
    if (parts.length !== 4 || parts[0] !== 'cni' || parts[1] !== network) continue;
    out.push({ link, network, containerID: parts[2]!, ifName: parts[3]! });
  }
  return out;
}
