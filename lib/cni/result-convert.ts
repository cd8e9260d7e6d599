import { CniError, CniCode } from './errors';
import {
  cleanDns,
  ipFamily,
  pickFields,
  resultFormatOf,
  ROUTE_KEYS,
  type IPConfig020,
  type Result020,
  type Result040,
} from './result-legacy';
import type { Result, Route } from './types';

/** A result as printed in some spec version. */
export type VersionedResult = Result | Result040 | Result020;

const INTERFACE_KEYS = ['name', 'mac', 'mtu', 'sandbox', 'socketPath', 'pciID'] as const;

/**
 * Writes a current-shape result in the wire shape of `toVersion`, as `types.PrintResult(result,
 * confVersion)` does: 1.0.0/1.1.0 as is; 0.3.x/0.4.0 with `ips[].version` and interfaces cut to
 * name/mac/sandbox; 0.1.0/0.2.0 as `ip4`/`ip6` (the first address of each family, routes sorted into
 * the family of their destination). Empty fields are dropped, as Go's `omitempty` does.
 * @throws {CniError} code 1 for a version we do not know, or a 0.1.0/0.2.0 result with no address
 */
export function convertResult(result: Result, toVersion: string): VersionedResult {
  switch (resultFormatOf(toVersion)) {
    case '100':
      return toResult100(result, toVersion);
    case '040':
      return toResult040(result, toVersion);
    case '020':
      return toResult020(result, toVersion);
    case undefined:
      throw new CniError(CniCode.IncompatibleVersion, `cannot convert result to unknown cniVersion ${JSON.stringify(toVersion)}`);
  }
}

function toResult100(r: Result, cniVersion: string): Result {
  // 1.0.0 and 1.1.0 share one type, so fields a 1.1 plugin sets (route mtu, table...) are kept for 1.0.0
  // too, as libcni does; unknown keys are kept so a chained plugin passes through what it does not know.
  const { cniVersion: _from, interfaces, ips, routes, dns, ...extra } = r;
  return pickFields(
    {
      cniVersion,
      interfaces: interfaces?.map((i) => pickFields(i, INTERFACE_KEYS, true)),
      ips: ips?.map((ip) => {
        // A prevResult that came from 0.4.0 may still carry `version`; 1.0.0 removed it.
        const { version: _v, ...rest } = ip as typeof ip & { version?: unknown };
        return pickFields(rest, ['interface', 'address', 'gateway'], true);
      }),
      routes: routes?.map((rt) => pickFields(rt, ROUTE_KEYS, true)),
      dns: cleanDns(dns),
      ...extra,
    },
    ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'],
    true,
  );
}

function toResult040(r: Result, cniVersion: string): Result040 {
  return pickFields<Result040>(
    {
      cniVersion,
      interfaces: r.interfaces?.map((i) => pickFields(i, ['name', 'mac', 'sandbox'])),
      ips: r.ips?.map((ip) => pickFields({ ...ip, version: ipFamily(ip.address) }, ['version', 'interface', 'address', 'gateway'])),
      // types.Route is shared by 040 and 100 in libcni, so the 1.1 route fields survive a down-conversion.
      routes: r.routes?.map((rt) => pickFields(rt, ROUTE_KEYS)),
      dns: cleanDns(r.dns),
    },
    ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'],
  );
}

function toResult020(r: Result, cniVersion: string): Result020 {
  const byFamily: Partial<Record<'4' | '6', IPConfig020>> = {};
  // 0.2.0 can hold one address per family: the first of each wins, as in libcni's convertTo02x.
  for (const ip of r.ips ?? []) {
    const family = ipFamily(ip.address);
    byFamily[family] ??= pickFields({ ip: ip.address, gateway: ip.gateway }, ['ip', 'gateway']);
  }
  if (!byFamily['4'] && !byFamily['6']) {
    throw new CniError(CniCode.IncompatibleVersion, `cannot convert result to cniVersion ${cniVersion}: it has no IP address`, {
      details: 'results before 0.3.0 must carry ip4 or ip6',
    });
  }
  for (const route of r.routes ?? []) {
    const target = byFamily[ipFamily(route.dst)];
    if (target) (target.routes ??= []).push(pickFields({ dst: route.dst, gw: route.gw } as Route, ['dst', 'gw']));
  }
  return pickFields<Result020>({ cniVersion, ip4: byFamily['4'], ip6: byFamily['6'], dns: cleanDns(r.dns) }, ['cniVersion', 'ip4', 'ip6', 'dns']);
}
