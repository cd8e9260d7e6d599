/**
 * Finding an attachment's host veth without its netns: by the name ADD gives it (attachmentVethName),
 * then by the alias ADD wrote on it (`cni <network> <containerID> <ifname>`) on the names prevResult
 * gives, then, when asked, by scanning the host's links for that alias (a veth named at random because
 * its name was taken, or made by an older berth).
 */
import type { Result } from '../../lib/cni';
import { isLinkNotFound, linkByName, linkList, type Link, type NetlinkHandle } from '../../lib/netlink';
import { attachmentAlias, attachmentVethName } from '../../lib/iface';

/** Where to look besides the attachment's own name. */
export interface FindOptions {
  readonly prev?: Result;
  /** The bridge's index: a veth with the attachment's name but no alias yet counts when it is a port of it. */
  readonly bridgeIndex?: number;
  /** Scan every link when the cheap lookups find nothing. */
  readonly scan?: boolean;
}

/** The host veths in `h`'s netns of (network, containerID, ifName); usually one, or none. */
export async function findHostVeths(h: NetlinkHandle, network: string, containerID: string, ifName: string, opts: FindOptions = {}): Promise<Link[]> {
  const alias = attachmentAlias(network, containerID, ifName);
  const byName = async (name: string) => linkByName(h, name).catch((err: unknown) => {
    if (isLinkNotFound(err)) return undefined;
    throw err;
  });
  const own = await byName(attachmentVethName(network, containerID, ifName));
  // No alias: ADD was killed between creating the pair and tagging it. The name and the port make it
  // ours (a random name of another attachment would have to hit these 32 bits on this very bridge).
  if (own?.kind === 'veth' && (own.alias === alias || (!own.alias && opts.bridgeIndex !== undefined && own.masterIndex === opts.bridgeIndex))) return [own];
  for (const iface of opts.prev?.interfaces ?? []) {
    if (iface.sandbox || !iface.name.startsWith('veth')) continue;
    const link = await byName(iface.name);
    if (link?.kind === 'veth' && link.alias === alias) return [link];
  }
  if (!opts.scan) return [];
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
