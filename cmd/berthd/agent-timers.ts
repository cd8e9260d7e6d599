import type { Logger } from '../../lib/log';

/**
 * The timers and sleeps of one network agent, all ended by one stop(): pending timers are cleared,
 * sleeps wake at once, and {@link settled} waits for the work the timers started, so that none of it
 * (a renewal, a resync) writes the lease file or takes a lease after the agent stopped.
 */
export class AgentTimers {
  #stopped = false;
  readonly #pending = new Set<NodeJS.Timeout>();
  readonly #inflight = new Set<Promise<unknown>>();
  /** Wakes the retry and backoff sleeps at stop(). */
  readonly #wakers = new Set<() => void>();
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Runs `fn` in `ms` unless stopped by then; its failure is logged.
   * @returns what cancels it (nothing once it has run)
   */
  after(ms: number, fn: () => Promise<void>): () => void {
    if (this.#stopped) return () => undefined;
    const t = setTimeout(() => {
      this.#pending.delete(t);
      if (this.#stopped) return;
      const work = fn().catch((err: unknown) => this.#log.error({ err }, 'timer failed'));
      this.#inflight.add(work);
      void work.finally(() => this.#inflight.delete(work));
    }, ms);
    this.#pending.add(t);
    return () => {
      clearTimeout(t);
      this.#pending.delete(t);
    };
  }

  /** Sleeps `ms`, or less when stopped meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.#wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  /** No timer fires after this, and every sleep returns now. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#pending) clearTimeout(t);
    this.#pending.clear();
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
  }

  /** Resolves once the work the timers started has finished. */
  async settled(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }
}
