import { AF_INET, AF_INET6, RTM_DELROUTE, RTM_GETROUTE, NLM_F_REQUEST } from '../nl/constants';
import { NlMessage } from '../nl/message';
import { attrMap, attrU32 } from '../nl/attrs';
import { decodeIp, ipFamily, parseCidr } from '../nl/addr-bytes';
import {
  RTAX_ADVMSS, RTAX_HOPLIMIT, RTAX_MTU, RTA_DST, RTA_GATEWAY, RTA_METRICS, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY,
  RTA_SRC, RTA_TABLE, RTMSG_LEN, RTNH_F_ONLINK, RTN_ANYCAST, RTN_BROADCAST, RTN_LOCAL, RTN_MULTICAST, RTN_NAT,
  RTN_UNICAST, RTN_UNSPEC, RTPROT_BOOT, RTPROT_UNSPEC, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_UNSPEC,
} from './constants';

/** AF_INET or AF_INET6. */
export type IpFamily = typeof AF_INET | typeof AF_INET6;

/** Per-route metrics carried in RTA_METRICS (RTAX_*). */
export interface RouteMetrics {
  mtu?: number;
  advmss?: number;
  hoplimit?: number;
}

/** A route to add, replace or delete, in iproute2's vocabulary. */
export interface RouteSpec {
  /** Destination: a CIDR (`10.1.0.0/16`, `fd00::/64`) or `default`. */
  dst: string;
  /** Needed only for `default` with neither `gw` nor `src` to tell the family (otherwise AF_INET). */
  family?: IpFamily;
  /** Gateway (RTA_GATEWAY), same family as the route. */
  gw?: string;
  /** Output link index (RTA_OIF). */
  index?: number;
  /** Preferred source address (RTA_PREFSRC, iproute2 `src`). */
  src?: string;
  /** Routing table; default RT_TABLE_MAIN. Ids above 255 go in RTA_TABLE. */
  table?: number;
  /** RT_SCOPE_*; default as iproute2: link for a unicast route without gateway, universe otherwise. */
  scope?: number;
  /** RTPROT_*; default RTPROT_BOOT on add (as iproute2), any on delete. */
  protocol?: number;
  /** RTN_*; default RTN_UNICAST on add, any on delete. */
  type?: number;
  /** Metric (RTA_PRIORITY). */
  priority?: number;
  /** RTNH_F_ONLINK: use the gateway even when no connected route covers it. */
  onlink?: boolean;
  /** Type of service / DS field (rtm_tos). */
  tos?: number;
  metrics?: RouteMetrics;
}

/** A route as the kernel reports it. */
export interface Route {
  family: IpFamily;
  /** `default` or a CIDR. */
  dst: string;
  gw?: string;
  index?: number;
  src?: string;
  table: number;
  scope: number;
  protocol: number;
  type: number;
  priority?: number;
  /** rtm_flags as received (RTNH_F_*, RTM_F_*). */
  flags: number;
  onlink: boolean;
  tos: number;
  metrics?: RouteMetrics;
}

/** Encodes RTM_NEWROUTE / RTM_DELROUTE with iproute2's defaults for whatever `spec` leaves out. */
export function encodeRouteMessage(type: number, nlFlags: number, spec: RouteSpec): NlMessage {
  const del = type === RTM_DELROUTE;
  const dst = spec.dst === 'default' ? undefined : parseCidr(spec.dst);
  const family = routeFamily(spec, dst?.family);
  const rtType = spec.type ?? (del ? RTN_UNSPEC : RTN_UNICAST);
  const table = spec.table ?? defaultTable(rtType);
  const hdr = Buffer.alloc(RTMSG_LEN);
  hdr[0] = family;
  hdr[1] = dst?.prefixLen ?? 0;
  hdr[3] = spec.tos ?? 0;
  hdr[4] = table < 256 ? table : RT_TABLE_UNSPEC;
  hdr[5] = spec.protocol ?? (del ? RTPROT_UNSPEC : RTPROT_BOOT);
  hdr[6] = spec.scope ?? defaultScope(family, rtType, del, spec.gw !== undefined);
  hdr[7] = rtType;
  hdr.writeUInt32LE(spec.onlink ? RTNH_F_ONLINK : 0, 8);

  const m = new NlMessage(type, nlFlags).raw(hdr);
  if (dst) m.ip(RTA_DST, dst.address);
  if (spec.gw !== undefined) m.ip(RTA_GATEWAY, sameFamily(spec.gw, family, 'gateway'));
  if (spec.src !== undefined) m.ip(RTA_PREFSRC, sameFamily(spec.src, family, 'src'));
  if (spec.priority !== undefined) m.u32(RTA_PRIORITY, spec.priority);
  if (table >= 256) m.u32(RTA_TABLE, table);
  if (spec.index !== undefined) m.u32(RTA_OIF, spec.index);
  const mx = spec.metrics;
  if (mx && (mx.mtu !== undefined || mx.advmss !== undefined || mx.hoplimit !== undefined)) {
    // iproute2 nests the metrics without NLA_F_NESTED; the kernel accepts both.
    m.nest(RTA_METRICS, (n) => {
      if (mx.mtu !== undefined) n.u32(RTAX_MTU, mx.mtu);
      if (mx.advmss !== undefined) n.u32(RTAX_ADVMSS, mx.advmss);
      if (mx.hoplimit !== undefined) n.u32(RTAX_HOPLIMIT, mx.hoplimit);
    });
  }
  return m;
}

/** Encodes RTM_GETROUTE for one address (`ip route get`): the kernel answers with the route it would use. */
export function encodeRouteGetMessage(destination: string, opts: { src?: string; index?: number } = {}): NlMessage {
  const family = ipFamily(destination);
  const bits = family === AF_INET ? 32 : 128;
  const hdr = Buffer.alloc(RTMSG_LEN);
  hdr[0] = family;
  hdr[1] = bits;
  if (opts.src !== undefined) hdr[2] = bits;
  const m = new NlMessage(RTM_GETROUTE, NLM_F_REQUEST).raw(hdr).ip(RTA_DST, destination);
  if (opts.src !== undefined) m.ip(RTA_SRC, sameFamily(opts.src, family, 'src'));
  if (opts.index !== undefined) m.u32(RTA_OIF, opts.index);
  return m;
}

/** Decodes the body of an RTM_NEWROUTE (a dump entry or a route-get answer). */
export function decodeRoute(body: Buffer): Route {
  const family = body[0] as IpFamily;
  const attrs = attrMap(body, RTMSG_LEN);
  const ip = (t: number): string | undefined => {
    const b = attrs.get(t);
    return b && (b.length === 4 || b.length === 16) ? decodeIp(b) : undefined;
  };
  const flags = body.readUInt32LE(8);
  const dst = ip(RTA_DST);
  const route: Route = {
    family,
    dst: dst === undefined ? 'default' : `${dst}/${body[1]}`,
    table: attrU32(attrs.get(RTA_TABLE)) ?? body[4],
    scope: body[6],
    protocol: body[5],
    type: body[7],
    flags,
    onlink: (flags & RTNH_F_ONLINK) !== 0,
    tos: body[3],
  };
  const gw = ip(RTA_GATEWAY);
  if (gw !== undefined) route.gw = gw;
  const index = attrU32(attrs.get(RTA_OIF));
  if (index !== undefined) route.index = index;
  const src = ip(RTA_PREFSRC);
  if (src !== undefined) route.src = src;
  const priority = attrU32(attrs.get(RTA_PRIORITY));
  if (priority !== undefined) route.priority = priority;
  const mx = attrs.get(RTA_METRICS);
  if (mx) {
    const m = attrMap(mx);
    const metrics: RouteMetrics = {};
    const mtu = attrU32(m.get(RTAX_MTU));
    const advmss = attrU32(m.get(RTAX_ADVMSS));
    const hoplimit = attrU32(m.get(RTAX_HOPLIMIT));
    if (mtu !== undefined) metrics.mtu = mtu;
    if (advmss !== undefined) metrics.advmss = advmss;
    if (hoplimit !== undefined) metrics.hoplimit = hoplimit;
    route.metrics = metrics;
  }
  return route;
}

function routeFamily(spec: RouteSpec, dstFamily: IpFamily | undefined): IpFamily {
  const family = dstFamily ?? (spec.gw !== undefined ? ipFamily(spec.gw) : undefined)
    ?? (spec.src !== undefined ? ipFamily(spec.src) : undefined) ?? spec.family ?? AF_INET;
  if (spec.family !== undefined && spec.family !== family) {
    throw new TypeError(`route ${spec.dst}: family ${spec.family} does not match its addresses (${family})`);
  }
  return family;
}

function sameFamily(address: string, family: IpFamily, what: string): string {
  if (ipFamily(address) !== family) throw new TypeError(`${what} ${address} is not of the route's address family`);
  return address;
}

/** iproute2 puts local, broadcast, NAT and anycast routes in the local table unless told otherwise. */
function defaultTable(type: number): number {
  return type === RTN_LOCAL || type === RTN_BROADCAST || type === RTN_NAT || type === RTN_ANYCAST
    ? RT_TABLE_LOCAL : RT_TABLE_MAIN;
}

/** iproute2's scope choice (iproute_modify): the kernel rejects e.g. a link-scope gateway route. */
function defaultScope(family: IpFamily, type: number, del: boolean, hasGateway: boolean): number {
  if (family === AF_INET6) return RT_SCOPE_UNIVERSE;
  if (type === RTN_LOCAL || type === RTN_NAT) return RT_SCOPE_HOST;
  if (type === RTN_BROADCAST || type === RTN_MULTICAST || type === RTN_ANYCAST) return RT_SCOPE_LINK;
  if (type === RTN_UNICAST || type === RTN_UNSPEC) {
    if (del) return RT_SCOPE_NOWHERE; // on delete NOWHERE means "any scope"
    if (!hasGateway) return RT_SCOPE_LINK;
  }
  return RT_SCOPE_UNIVERSE;
}
