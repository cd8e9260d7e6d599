import type { NetlinkHandle } from '../handle';
import { NlMessage } from '../nl/message';
import {
  NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST,
  RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH,
} from '../nl/constants';
import { NDMSG_LEN } from './constants';
import { decodeNeigh, encodeNeighMessage, type Neigh, type NeighFamily, type NeighSpec } from './neigh-codec';

/** Which entries `neighList` returns. */
export interface NeighFilter {
  /** AF_INET or AF_INET6 for neighbours, AF_BRIDGE for the forwarding database. */
  family: NeighFamily;
  /** Only entries on this link. */
  index?: number;
  /** Only FDB entries of this bridge (NDA_MASTER). */
  master?: number;
}

/**
 * Adds a neighbour or FDB entry; EEXIST if one is there.
 * iproute2: `ip neigh add <ip> lladdr <mac> dev <link> nud permanent`, `bridge fdb add <mac> dev <link> dst <ip> self`.
 */
export async function neighAdd(h: NetlinkHandle, spec: NeighSpec): Promise<void> {
  await modify(h, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, spec, 'add');
}

/**
 * Creates or replaces a neighbour or FDB entry.
 * iproute2: `ip neigh replace <ip> lladdr <mac> dev <link> nud permanent`,
 * `bridge fdb replace <mac> dev <link> dst <ip> [vni <vni>] self permanent`.
 */
export async function neighSet(h: NetlinkHandle, spec: NeighSpec): Promise<void> {
  await modify(h, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, spec, 'replace');
}

/**
 * Appends an FDB entry: a vxlan keeps one remote per (mac, dst), so repeating the all-zero MAC with other
 * destinations builds its flood list (replace would overwrite the first). iproute2: `bridge fdb append
 * 00:00:00:00:00:00 dev <vxlan> dst <ip> self permanent`.
 */
export async function neighAppend(h: NetlinkHandle, spec: NeighSpec): Promise<void> {
  await modify(h, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, spec, 'append');
}

/**
 * Deletes a neighbour or FDB entry (for a vxlan, `dst` picks one remote of a MAC); ENOENT when absent.
 * iproute2: `ip neigh del <ip> dev <link>`, `bridge fdb del <mac> dev <link> [dst <ip>] self`.
 */
export async function neighDel(h: NetlinkHandle, spec: NeighSpec): Promise<void> {
  await modify(h, RTM_DELNEIGH, 0, spec, 'del');
}

/**
 * Lists neighbours, or for AF_BRIDGE the forwarding database. The request carries a bare ndmsg (which the
 * kernel's legacy FDB dump parser accepts) and the filter is applied here.
 * iproute2: `ip [-4|-6] neigh show [dev <link>]`, `bridge fdb show [dev <link>] [br <bridge>]`.
 */
export async function neighList(h: NetlinkHandle, filter: NeighFilter): Promise<Neigh[]> {
  const hdr = Buffer.alloc(NDMSG_LEN);
  hdr[0] = filter.family;
  const msg = new NlMessage(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP).raw(hdr);
  const replies = await h.request(msg, { describe: 'RTM_GETNEIGH dump' });
  return replies
    .filter((r) => r.type === RTM_NEWNEIGH)
    .map((r) => decodeNeigh(r.body))
    .filter((n) => n.family === filter.family)
    .filter((n) => filter.index === undefined || n.index === filter.index)
    .filter((n) => filter.master === undefined || n.master === filter.master);
}

async function modify(h: NetlinkHandle, type: number, flags: number, spec: NeighSpec, verb: string): Promise<void> {
  const msg = encodeNeighMessage(type, NLM_F_REQUEST | NLM_F_ACK | flags, spec);
  const what = [spec.ip, spec.mac, spec.dst !== undefined ? `dst ${spec.dst}` : ''].filter(Boolean).join(' ');
  await h.request(msg, { describe: `neigh ${verb} ${what} dev #${spec.index}` });
}
