/** Routes over rtnetlink: RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE (codec and operations). */
export * from './constants';
export { encodeRouteMessage, encodeRouteGetMessage, decodeRoute, type IpFamily, type Route, type RouteMetrics, type RouteSpec } from './route-codec';
export { routeAdd, routeReplace, routeDel, routeList, routeGet, type RouteFilter } from './route-ops';
