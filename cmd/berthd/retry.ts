import type { Logger } from '../../lib/log';
import type { AgentTimers } from './agent-timers';
import type { StoreHealth } from './deps';

/** Not a failure: something the agent waits for is not there yet (or, for a VNI conflict, not free yet). */
export class NotYet extends Error {}

/** The wait before retry `attempt` (0 for the first): 250 ms, doubling up to 5 s. */
export function backoff(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 5_000);
}

/**
 * Runs `fn` until it succeeds or `timers` stop (then undefined), waiting {@link backoff} between tries.
 * Every failure is retried, whatever its errno: berthd outlives store outages and a datapath that is
 * not ready yet (a device another network holds, a module not loaded), and the agent has no state to
 * give up into; the warning names what failed every time.
 * @param health for a store call: told true when it succeeds (or waits: {@link NotYet}), false when it fails
 */
export async function retryUntilStopped<T>(timers: AgentTimers, log: Logger, what: string, fn: () => Promise<T>, health?: StoreHealth): Promise<T | undefined> {
  for (let attempt = 0; !timers.stopped; attempt++) {
    try {
      const v = await fn();
      health?.(true);
      return v;
    } catch (err) {
      if (err instanceof NotYet) health?.(true);
      else health?.(false, err as Error);
      const delay = backoff(attempt);
      log.warn({ err: (err as Error).message }, `cannot ${what}; retrying in ${delay} ms`);
      await timers.sleep(delay);
    }
  }
  return undefined;
}
