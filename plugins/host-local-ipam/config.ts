import { assertValid, pickCniArgs, type NetConf } from '../../lib/cni';
import {
  resolveHostLocalConfig, resolveStoreRef,
  type HostLocalConfig, type HostLocalNetConf, type StoreRef,
} from '../../lib/ipam/host-local';
import validate from './config.validate.cjs';

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
