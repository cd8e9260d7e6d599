/**
 * host-local's configuration as its executable reads it: the schema first, then lib/ipam's checks.
 * The executable and the in-process runner (run-ipam.ts) both load it here, so a config that the
 * host-local executable refuses is refused the same way when it runs inside bridge or macvlan.
 */
import { assertValid, pickCniArgs, type NetConf } from '../cni';
import { resolveHostLocalConfig, resolveStoreRef, type HostLocalConfig, type HostLocalNetConf, type StoreRef } from './config';
import validate from './host-local-conf.validate.cjs';

/** The CNI_ARGS keys host-local understands (the reference's IPAMEnvArgs): `IP=<ip>[/prefix]`. */
const CNI_ARGS_KEYS = ['IP'] as const;

/**
 * The whole host-local configuration for ADD, CHECK and STATUS: the schema's types (code 7, naming the
 * JSON path), then lib/ipam's checks of addresses, ranges and overlaps (code 7), and CNI_ARGS `IP=`
 * (code 4 for a malformed or unknown pair, unless `IgnoreUnknown=1`).
 */
export function loadHostLocalConfig(config: NetConf, cniArgs = ''): HostLocalConfig {
  assertValid(validate, config);
  const { IP } = pickCniArgs(cniArgs, CNI_ARGS_KEYS);
  return resolveHostLocalConfig(config as unknown as HostLocalNetConf, IP);
}

/**
 * What DEL and GC need: the network name and the data directory, nothing else. DEL is best effort,
 * so a config whose ranges no longer validate (or a CNI_ARGS that does not parse) must not keep an
 * attachment's leases from being released.
 */
export function loadStoreRef(config: NetConf): StoreRef {
  return resolveStoreRef(config as unknown as HostLocalNetConf);
}
