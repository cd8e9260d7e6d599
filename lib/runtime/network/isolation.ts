/**
 * Keeps the host's isolation rules (lib/firewall isolation.ts) in step with berth's bridge networks.
 * berth has no daemon that could restore them after a reboot flushed iptables, so every start of a
 * container on a bridge network syncs them (one iptables-save; one restore only when something is
 * missing), and `network rm` syncs after the network is gone, which deletes its rules. The wanted
 * state is always every bridge network of the store, so a sync interrupted by SIGKILL, a network
 * removed by a killed `network rm`, or rules flushed by hand are all put right by the next sync.
 */
import path from 'node:path';
import { syncIsolation, type IsolatedNetwork, type IsolationSync, type FirewallOptions } from '../../firewall';
import { LockTimeoutError, makeDirs, withFileLock } from '../../sys';
import { bridgeNameOf, parseBoolOption } from './network-conflist';
import type { NetworkStore } from './network-store';
import { NetworkError, OPT_ISOLATE, type NetworkInfo } from './types';

/** How long a sync waits for another berth's sync of the same root. */
const LOCK_TIMEOUT_MS = 30_000;

/** The bridge networks among `nets`, as the isolation rules see them. */
export function isolatedNetworks(nets: readonly NetworkInfo[]): IsolatedNetwork[] {
  return nets
    .filter((n) => n.driver === 'bridge' && n.subnet !== undefined)
    .map((n) => ({
      id: n.id,
      bridge: bridgeNameOf(n),
      subnet: n.subnet!,
      internal: n.internal,
      isolate: parseBoolOption(n.options[OPT_ISOLATE] ?? 'true') !== false,
    }));
}

/**
 * Syncs the isolation rules of every bridge network in `store`, holding the store's isolation lock
 * so two berths of one root never plan from the same reading (that would duplicate a rule, or two
 * removals of a duplicate would remove both). The table is read before the store, so a rule seen
 * there was written for a network that was in the store before this reading of it.
 * @throws {NetworkError} unavailable when the lock stays held; FirewallError when iptables fails
 */
export async function syncNetworkIsolation(store: NetworkStore, opts: FirewallOptions = {}): Promise<IsolationSync> {
  makeDirs(store.dir, 0o700);
  const lock = path.join(store.dir, '.isolation.lock');
  try {
    return await withFileLock(lock, { timeoutMs: LOCK_TIMEOUT_MS, maxDelayMs: 16 }, () =>
      syncIsolation(store.dir, () => isolatedNetworks(store.list()), opts));
  } catch (err) {
    if (err instanceof LockTimeoutError) throw new NetworkError(`the network isolation lock ${lock} is still held by another process after ${err.timeoutMs} ms`, 'unavailable');
    throw err;
  }
}
