/**
 * The runtime side of CNI (libcni's equivalent): configuration lists, plugin chains for ADD, CHECK,
 * DEL, GC and STATUS, and libcni's result cache.
 */
export { parseConfList, loadConfListFile, type NetworkConfigList } from './conf-list';
export { CniRuntime, type CniRuntimeOptions } from './cni-runtime';
export { CniRuntimeError } from './errors';
export { pluginStdin, capabilityConfig, cniEnv, validateRuntimeConf, type RuntimeConf, type PluginRequest } from './plugin-request';
export { ResultCache, encodeCacheFile, decodeCacheFile, CNI_CACHE_V1, type CachedAttachment } from './result-cache';
export { marshalSortedGo, marshalStructGo } from './go-json';
