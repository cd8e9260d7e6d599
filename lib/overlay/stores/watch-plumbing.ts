/** What both stores' watches share: handlers that cannot stop a watch, and the set close() cancels. */
import type { Watch, WatchHandlers } from '../store';

/**
 * A watch's handlers, called so that one that throws is told through onError and the watch goes on;
 * an onError that throws itself is swallowed, since nothing is left to tell.
 */
export class GuardedHandlers {
  readonly #handlers: WatchHandlers;
  constructor(handlers: WatchHandlers) {
    this.#handlers = handlers;
  }

  call(fn: (handlers: WatchHandlers) => void): void {
    try {
      fn(this.#handlers);
    } catch (err) {
      this.report(err);
    }
  }

  report(err: unknown): void {
    try {
      this.#handlers.onError?.(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // onError itself threw: nothing is left to tell.
    }
  }
}

/** The watches a store has handed out and not yet cancelled; the store's close() cancels them all. */
export class WatchRegistry {
  readonly #live = new Set<{ cancel(): Promise<void> }>();

  /** The Watch to hand out for `watch`: its cancel also forgets it. */
  track(watch: { cancel(): Promise<void> }): Watch {
    this.#live.add(watch);
    return {
      cancel: async () => {
        this.#live.delete(watch);
        await watch.cancel();
      },
    };
  }

  async cancelAll(): Promise<void> {
    const watches = [...this.#live];
    this.#live.clear();
    await Promise.all(watches.map((w) => w.cancel()));
  }
}
