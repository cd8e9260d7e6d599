/**
 * The container's macvlan: created under a temporary name straight into the container netns
 * (IFLA_NET_NS_FD on the RTM_NEWLINK, so no thread changes namespace), then renamed there to
 * CNI_IFNAME. The temporary name keeps the new link from ever colliding with a host interface of the
 * same name (the reference's "kernel bug" workaround); the rename is where an existing CNI_IFNAME is
 * detected. The temporary name is derived from the attachment (attachmentVethName; random only if it
 * is taken) and the link is tagged with the attachment's alias before the rename, so DEL finds the
 * link even when ADD was killed before the rename, or the container renamed it afterwards.
 */
import {
  NetlinkError, isLinkNotFound, linkAdd, linkByIndex, linkByName, linkDel, linkSetAlias, linkSetName,
  type Link, type MacvlanLink, type NetlinkHandle,
} from '../../lib/netlink';
import type { UndoStack } from '../../lib/util';
import { attachmentAlias, attachmentVethName, randomVethName, type Sandbox } from '../../lib/iface';
import { failPoint } from './add-steps';
import type { MacvlanConfig } from './config';

/** How many fresh temporary names are tried when one is taken (the reference's count for veths). */
const NAME_ATTEMPTS = 10;

/** The container already has an interface named CNI_IFNAME (the spec says ADD must fail then). */
export class InterfaceExistsError extends Error {
  constructor(ifName: string, cause?: unknown) {
    super(`container interface ${JSON.stringify(ifName)} already exists`, { cause });
    this.name = 'InterfaceExistsError';
  }
}

/** Another macvlan on the master already has this MAC (the kernel's EADDRINUSE when the link opens). */
export class MacInUseError extends Error {
  constructor(mac: string, master: string, cause?: unknown) {
    super(`MAC ${mac} is already used by another macvlan on master ${JSON.stringify(master)}`, { cause });
    this.name = 'MacInUseError';
  }
}

/** The handle in the netns where the master lives: the macvlan is created through it. */
export function masterHandle(sb: Sandbox, conf: Pick<MacvlanConfig, 'linkInContainer'>): NetlinkHandle {
  return conf.linkInContainer ? sb.ctr : sb.host;
}

/**
 * Creates the macvlan on `master` in the container netns, named `ifName`, down. Pushes its deletion on
 * `undo` as soon as it exists. The kernel looks IFLA_LINK up in the netns of the requesting socket,
 * which is why the request goes through the master's handle and names the container by fd.
 * @throws {InterfaceExistsError} `ifName` is taken in the container
 */
export async function createMacvlan(
  sb: Sandbox, conf: MacvlanConfig, master: Link, att: { containerID: string; ifName: string }, undo: UndoStack,
): Promise<MacvlanLink> {
  const { ifName } = att;
  const via = masterHandle(sb, conf);
  let tmp: string | undefined;
  let lastErr: unknown;
  for (let attempt = 0; attempt < NAME_ATTEMPTS && tmp === undefined; attempt++) {
    const name = attempt === 0 ? attachmentVethName(conf.network, att.containerID, ifName) : randomVethName();
    try {
      await linkAdd(via, {
        kind: 'macvlan',
        name,
        parentIndex: master.index,
        netnsFd: conf.linkInContainer ? undefined : sb.ns.fd,
        mtu: conf.mtu === 0 ? undefined : conf.mtu,
        hardwareAddr: conf.mac,
        macvlan: {
          mode: conf.mode,
          macaddrs: conf.mode === 'source' ? [...conf.macaddrs] : undefined,
          bcQueueLen: conf.bcQueueLen === 0 ? undefined : conf.bcQueueLen,
        },
      });
      tmp = name;
    } catch (err) {
      if (err instanceof NetlinkError && err.code === 'EEXIST') {
        lastErr = err; // another link holds this random name: draw another
        continue;
      }
      const hint = err instanceof NetlinkError && err.code === 'EINVAL' && conf.mode === 'passthru'
        ? ' (a passthru macvlan must be the only macvlan on its master)' : '';
      throw new Error(`failed to create macvlan on master ${JSON.stringify(master.name)}: ${(err as Error).message}${hint}`, { cause: err });
    }
  }
  if (tmp === undefined) throw new Error(`failed to find a free temporary link name after ${NAME_ATTEMPTS} attempts`, { cause: lastErr });

  const link = await linkByName(sb.ctr, tmp);
  undo.push('link', () => deleteIgnoringMissing(sb.ctr, link.index));
  await linkSetAlias(sb.ctr, link.index, attachmentAlias(conf.network, att.containerID, ifName));
  failPoint(sb.env, 'link');

  try {
    await linkSetName(sb.ctr, link.index, ifName);
  } catch (err) {
    if (err instanceof NetlinkError && err.code === 'EEXIST') throw new InterfaceExistsError(ifName, err);
    throw new Error(`failed to rename macvlan to ${JSON.stringify(ifName)}: ${(err as Error).message}`, { cause: err });
  }
  failPoint(sb.env, 'rename');
  return (await linkByIndex(sb.ctr, link.index)) as MacvlanLink;
}

/** Deletes a link; one already gone counts as deleted (DEL and undo are idempotent). */
export async function deleteIgnoringMissing(h: NetlinkHandle, index: number): Promise<void> {
  try {
    await linkDel(h, index);
  } catch (err) {
    if (!isLinkNotFound(err)) throw err;
  }
}
