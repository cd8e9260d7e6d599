import { CniError, CniCode } from './errors';
import validateResult from './result.validate.cjs';
import { cleanDns, pickFields, resultFormatOf, ROUTE_KEYS, type Result020, type Result040 } from './result-legacy';
import type { IPConfig, Result, Route } from './types';
import { CURRENT_VERSION } from './version';
import { assertValid, type ValidationContext } from './validation';

/** How a result's problems are reported: where it came from, and with which code. */
export interface ParseResultContext extends ValidationContext {
  /** Code for a result of the wrong shape; default 7 (a prevResult is part of the config). */
  code?: number;
}

/**
 * Reads a result written in any spec version (a prevResult, or a delegate's stdout) into the current
 * shape, with `cniVersion` set to CURRENT_VERSION. A result without `cniVersion` is taken to be in
 * `defaultVersion` (the config's), as libcni's `ParsePrevResult` and `fixupResultVersion` do.
 * @throws {CniError} the context's code (7 by default) for a malformed result, naming the field; code 1
 *   for a version we do not know
 */
export function parseResult(raw: unknown, defaultVersion: string, ctx: ParseResultContext = {}): Result {
  const label = ctx.prefix ?? 'invalid config';
  assertValid<Record<string, unknown>>(validateResult, raw, { ...ctx, prefix: label, code: ctx.code ?? CniCode.InvalidNetworkConfig });
  const declared = raw.cniVersion;
  const version = typeof declared === 'string' && declared !== '' ? declared : defaultVersion;
  switch (resultFormatOf(version)) {
    case '100':
      return checkInterfaceIndexes(fromResult100(raw as unknown as Result), label, ctx);
    case '040':
      return checkInterfaceIndexes(fromResult040(raw as unknown as Result040), label, ctx);
    case '020':
      return fromResult020(raw as unknown as Result020);
    case undefined:
      throw new CniError(CniCode.IncompatibleVersion, `${label}: ${ctx.pointer ?? ''}/cniVersion ${JSON.stringify(version)} is not a known CNI version`);
  }
}

/**
 * `ips[i].interface` indexes `interfaces` (the schema has checked it is a non-negative integer): one
 * past the end names no interface, and CHECK or a chained ADD would look up something that is not there.
 */
function checkInterfaceIndexes(r: Result, label: string, ctx: ParseResultContext): Result {
  const count = r.interfaces?.length ?? 0;
  r.ips?.forEach((ip, i) => {
    if (ip.interface !== undefined && ip.interface >= count) {
      throw new CniError(ctx.code ?? CniCode.InvalidNetworkConfig, `${label}: ${ctx.pointer ?? ''}/ips/${i}/interface ${ip.interface} names no interface (the result has ${count})`);
    }
  });
  return r;
}

function fromResult100(r: Result): Result {
  return pickFields({ ...r, cniVersion: CURRENT_VERSION, dns: cleanDns(r.dns) }, ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'], true);
}

function fromResult040(r: Result040): Result {
  return pickFields<Result>(
    {
      cniVersion: CURRENT_VERSION,
      interfaces: r.interfaces?.map((i) => pickFields(i, ['name', 'mac', 'sandbox'])),
      ips: r.ips?.map((ip) => pickFields<IPConfig>(ip, ['interface', 'address', 'gateway'])),
      routes: r.routes?.map((rt) => pickFields(rt, ROUTE_KEYS)),
      dns: cleanDns(r.dns),
    },
    ['cniVersion', 'interfaces', 'ips', 'routes', 'dns'],
  );
}

function fromResult020(r: Result020): Result {
  const ips: IPConfig[] = [];
  const routes: Route[] = [];
  // IPv4 first, then IPv6, each followed by its routes, as libcni's convertFrom02x orders them.
  for (const cfg of [r.ip4, r.ip6]) {
    if (!cfg) continue;
    ips.push(pickFields<IPConfig>({ address: cfg.ip, gateway: cfg.gateway }, ['address', 'gateway']));
    for (const rt of cfg.routes ?? []) routes.push(pickFields<Route>({ dst: rt.dst, gw: rt.gw }, ['dst', 'gw']));
  }
  return pickFields<Result>({ cniVersion: CURRENT_VERSION, ips, routes, dns: cleanDns(r.dns) }, ['cniVersion', 'ips', 'routes', 'dns']);
}
