/** Value syntaxes of `berth run` flags that are not sizes: `--network` modes and `--userns-*map` lines. */
import type { IdMap, NetworkMode } from '../../../lib/runtime/container';
import { CliError } from './errors';

/**
 * `--network`: bridge (also "default" and ""), host, none, container:<name|id>, or a network name.
 * @throws CliError with Docker's "invalid container format" text.
 */
export function parseNetworkMode(text: string): NetworkMode {
  if (text === '' || text === 'default' || text === 'bridge') return { kind: 'network', name: 'bridge' };
  if (text === 'host') return { kind: 'host' };
  if (text === 'none') return { kind: 'none' };
  if (text === 'container' || text.startsWith('container:')) {
    const container = text.slice('container:'.length);
    if (container === '') throw new CliError('invalid --network: Invalid network mode: invalid container format container:<name|id>', { seeHelp: true });
    return { kind: 'container', container };
  }
  return { kind: 'network', name: text };
}

const U32 = 2 ** 32 - 1;

/** `CONTAINER_ID:HOST_ID:SIZE`, as one line of /proc/<pid>/uid_map. @throws Error (message for pflag). */
export function parseIdMap(text: string): IdMap {
  const m = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (!m) throw new Error('expected CONTAINER_ID:HOST_ID:SIZE (e.g. 0:100000:65536)');
  const [containerId, hostId, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (size < 1) throw new Error('SIZE must be at least 1');
  if (containerId + size - 1 > U32 || hostId + size - 1 > U32) throw new Error('range exceeds 32-bit ids');
  return { containerId, hostId, size };
}

/** The kernel refuses overlapping ranges (EINVAL on the map write); say which lines instead. */
export function checkIdMaps(flagName: string, maps: readonly IdMap[]): void {
  const line = (m: IdMap): string => `${m.containerId}:${m.hostId}:${m.size}`;
  const overlap = (a: number, b: number, size1: number, size2: number): boolean => a < b + size2 && b < a + size1;
  for (let i = 0; i < maps.length; i++) {
    for (let j = i + 1; j < maps.length; j++) {
      const [a, b] = [maps[i]!, maps[j]!];
      if (overlap(a.containerId, b.containerId, a.size, b.size) || overlap(a.hostId, b.hostId, a.size, b.size)) {
        throw new CliError(`invalid ${flagName}: lines ${line(a)} and ${line(b)} overlap`, { seeHelp: true });
      }
    }
  }
}
