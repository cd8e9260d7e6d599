import type { NetlinkHandle } from '../handle';
import { NlMessage } from '../nl/message';
import {
  AF_INET, AF_INET6, AF_UNSPEC, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_REQUEST,
  RTM_DELROUTE, RTM_NEWROUTE, RTM_GETROUTE,
} from '../nl/constants';
import { RTMSG_LEN, RTM_F_CLONED, RT_TABLE_MAIN } from './constants';
import {
  decodeRoute, encodeRouteGetMessage, encodeRouteMessage, type IpFamily, type Route, type RouteSpec,
} from './route-codec';

/** Which routes `routeList` returns. */
export interface RouteFilter {
  /** AF_INET or AF_INET6; both when omitted. */
  family?: IpFamily;
  /** A table id, or `all`; default RT_TABLE_MAIN, as `ip route show`. */
  table?: number | 'all';
  /** Only routes whose output link (RTA_OIF) is this index. */
  index?: number;
}

/**
 * Adds a route; EEXIST if the same route is already there.
 * iproute2: `ip route add <dst> [via <gw>] [dev <index>] [src] [table] [metric] [onlink] [mtu] [advmss]`.
 */
export async function routeAdd(h: NetlinkHandle, spec: RouteSpec): Promise<void> {
  await modify(h, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, spec, 'add');
}

/** Adds a route or replaces the one with the same destination, table, tos and metric. iproute2: `ip route replace ...`. */
export async function routeReplace(h: NetlinkHandle, spec: RouteSpec): Promise<void> {
  await modify(h, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, spec, 'replace');
}

/**
 * Deletes the first route matching `spec` (fields left out match anything); ESRCH when none does.
 * iproute2: `ip route del <dst> [via <gw>] [dev <index>] [table] [metric]`.
 */
export async function routeDel(h: NetlinkHandle, spec: RouteSpec): Promise<void> {
  await modify(h, RTM_DELROUTE, 0, spec, 'del');
}

/**
 * Lists routes (cloned cache entries left out). The kernel filters dumps by table and link only in strict
 * mode, so the filter is applied here. iproute2: `ip route show [table <id>|all] [dev <index>]`.
 */
export async function routeList(h: NetlinkHandle, filter: RouteFilter = {}): Promise<Route[]> {
  const hdr = Buffer.alloc(RTMSG_LEN);
  hdr[0] = filter.family ?? AF_UNSPEC;
  const msg = new NlMessage(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP).raw(hdr);
  const replies = await h.request(msg, { describe: 'RTM_GETROUTE dump' });
  const table = filter.table ?? RT_TABLE_MAIN;
  return replies
    .filter((r) => r.type === RTM_NEWROUTE)
    .map((r) => decodeRoute(r.body))
    // An AF_UNSPEC dump also carries the multicast routing families (RTNL_FAMILY_IPMR...).
    .filter((r) => r.family === AF_INET || r.family === AF_INET6)
    .filter((r) => (r.flags & RTM_F_CLONED) === 0)
    .filter((r) => table === 'all' || r.table === table)
    .filter((r) => filter.index === undefined || r.index === filter.index);
}

/**
 * Asks the kernel which route it would use to reach `destination` (optionally from `src` or out of link
 * `index`). iproute2: `ip route get <destination> [from <src>] [oif <index>]`.
 */
export async function routeGet(h: NetlinkHandle, destination: string, opts: { src?: string; index?: number } = {}): Promise<Route> {
  const replies = await h.request(encodeRouteGetMessage(destination, opts), { describe: `RTM_GETROUTE ${destination}` });
  const reply = replies.find((r) => r.type === RTM_NEWROUTE);
  if (!reply) throw new Error(`RTM_GETROUTE ${destination}: no route in the reply`);
  return decodeRoute(reply.body);
}

async function modify(h: NetlinkHandle, type: number, flags: number, spec: RouteSpec, verb: string): Promise<void> {
  const msg = encodeRouteMessage(type, NLM_F_REQUEST | NLM_F_ACK | flags, spec);
  await h.request(msg, { describe: `route ${verb} ${describeRoute(spec)}` });
}

function describeRoute(spec: RouteSpec): string {
  return [
    spec.dst,
    spec.gw !== undefined ? `via ${spec.gw}` : '',
    spec.index !== undefined ? `dev #${spec.index}` : '',
    spec.table !== undefined ? `table ${spec.table}` : '',
    spec.onlink ? 'onlink' : '',
  ].filter(Boolean).join(' ');
}
