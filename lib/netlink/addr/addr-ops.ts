import type { NetlinkHandle } from '../handle';
import { NlMessage } from '../nl/message';
import {
  AF_UNSPEC, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST,
  RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR,
} from '../nl/constants';
import type { IpFamily } from '../route';
import { IFADDRMSG_LEN } from './constants';
import { decodeAddr, encodeAddrMessage, type Addr, type AddrSpec } from './addr-codec';

/** Which addresses `addrList` returns. */
export interface AddrFilter {
  /** Only this link's addresses. */
  index?: number;
  /** AF_INET or AF_INET6; both when omitted. */
  family?: IpFamily;
}

/**
 * Adds an address to link `index`; EEXIST if it is already there.
 * iproute2: `ip addr add <cidr> [peer <peer>] [broadcast <brd>] [label <label>] [scope] [nodad]
 * [noprefixroute] [valid_lft <s> preferred_lft <s>] dev <link>`.
 */
export async function addrAdd(h: NetlinkHandle, index: number, spec: AddrSpec): Promise<void> {
  const msg = encodeAddrMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, index, spec);
  await h.request(msg, { describe: `addr add ${spec.cidr} dev #${index}` });
}

/** Adds an address, or updates the flags, scope and lifetimes of the one already there. iproute2: `ip addr replace ...`. */
export async function addrReplace(h: NetlinkHandle, index: number, spec: AddrSpec): Promise<void> {
  const msg = encodeAddrMessage(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, index, spec);
  await h.request(msg, { describe: `addr replace ${spec.cidr} dev #${index}` });
}

/**
 * Removes an address from link `index`; EADDRNOTAVAIL when the link does not have it. Pass the `peer` of a
 * point-to-point address. iproute2: `ip addr del <cidr> [peer <peer>] dev <link>`.
 */
export async function addrDel(h: NetlinkHandle, index: number, cidr: string, opts: { peer?: string } = {}): Promise<void> {
  const msg = encodeAddrMessage(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, index, { cidr, ...opts });
  await h.request(msg, { describe: `addr del ${cidr} dev #${index}` });
}

/**
 * Lists addresses. Without strict checking the kernel ignores the index in a dump request, so the filter
 * is applied here. iproute2: `ip [-4|-6] addr show [dev <link>]`.
 */
export async function addrList(h: NetlinkHandle, filter: AddrFilter = {}): Promise<Addr[]> {
  const hdr = Buffer.alloc(IFADDRMSG_LEN);
  hdr[0] = filter.family ?? AF_UNSPEC;
  const msg = new NlMessage(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP).raw(hdr);
  const replies = await h.request(msg, { describe: 'RTM_GETADDR dump' });
  return replies
    .filter((r) => r.type === RTM_NEWADDR)
    .map((r) => decodeAddr(r.body))
    .filter((a) => filter.index === undefined || a.index === filter.index);
}
