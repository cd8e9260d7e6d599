import type { Logger } from '../../lib/log';
import { DeviceGoneError, type Lease, type LeaseEvent, type ReconcileResult, type Watch } from '../../lib/overlay';
import type { AgentTimers } from './agent-timers';
import type { DeviceInfo } from './datapath';
import type { AgentDeps } from './deps';
import { backoff, retryUntilStopped } from './retry';

/** What the last reconcile did (the status API's `lastReconcile`). */
export interface ReconcileStats {
  readonly at: number;
  readonly added: number;
  readonly removed: number;
  readonly kept: number;
  readonly failed: number;
}

/** What the reconcile loop asks of the agent. */
export interface PeerSyncHooks {
  /** The device to program; nothing is reconciled while there is none. */
  readonly device: () => DeviceInfo | undefined;
  /** Our subnets (one per family), never peers. */
  readonly ours: () => readonly string[];
  /** Recreates the device after it was deleted; false when the agent stopped first. */
  readonly recreateDevice: () => Promise<boolean>;
  /** A lease was removed from the store (ours, maybe). */
  readonly removed: (subnet: string) => void;
}

/**
 * Keeps the device's peers in step with the store: watches the network's leases and reconciles the
 * device against them on every change, on every watch resync and every `resyncMs`. Reconciles
 * coalesce (one runs, one more may follow) and a failing one is retried with a backoff.
 */
export class PeerSync {
  readonly #network: string;
  readonly #deps: AgentDeps;
  readonly #timers: AgentTimers;
  readonly #log: Logger;
  readonly #hooks: PeerSyncHooks;
  #leases = new Map<string, Lease>();
  #watch: Watch | undefined;
  #reconciling: Promise<void> | undefined;
  #again = false;
  #failures = 0;
  #peers = 0;
  #last: ReconcileStats | undefined;

  constructor(network: string, deps: AgentDeps, timers: AgentTimers, log: Logger, hooks: PeerSyncHooks) {
    this.#network = network;
    this.#deps = deps;
    this.#timers = timers;
    this.#log = log;
    this.#hooks = hooks;
  }

  /** The leases as the watch sees them (ours included). */
  leases(): Lease[] {
    return [...this.#leases.values()];
  }

  /** The peers programmed by the last reconcile. */
  get peers(): number {
    return this.#peers;
  }

  get lastReconcile(): ReconcileStats | undefined {
    return this.#last;
  }

  /** Starts the periodic resync, then lists and watches the leases (retried until done or stopped). */
  async start(): Promise<void> {
    this.#scheduleResync();
    const { store, storeHealth } = this.#deps;
    await retryUntilStopped(this.#timers, this.#log, 'list and watch the leases', async () => {
      const snap = await store.listLeases(this.#network);
      if (this.#timers.stopped) return true;
      this.#replace(snap.leases);
      const watch = await store.watchLeases(this.#network, snap.revision, {
        onEvents: (events) => this.#apply(events),
        onResync: (s) => {
          this.#log.info({ leases: s.leases.length }, 'watch resynced');
          this.#replace(s.leases);
        },
        onError: (err) => storeHealth?.(false, err),
      });
      // A watch opened after stop() began is cancelled here, as stop() cannot see it.
      if (this.#timers.stopped) await watch.cancel();
      else this.#watch = watch;
      return true;
    }, storeHealth);
  }

  /** Ends the watch (the timers' stop ends the rest). */
  async stopWatch(): Promise<void> {
    const w = this.#watch;
    this.#watch = undefined;
    await w?.cancel().catch(() => undefined);
  }

  /** Resolves once the reconcile running, if any, has finished. */
  async idle(): Promise<void> {
    await this.#reconciling;
  }

  /** Runs a reconcile now, or once more after the running one (changes coalesce). */
  reconcileSoon(): Promise<void> {
    if (this.#timers.stopped || !this.#hooks.device()) return Promise.resolve();
    if (this.#reconciling) {
      this.#again = true;
      return this.#reconciling;
    }
    this.#reconciling = (async () => {
      do {
        this.#again = false;
        await this.#reconcileOnce();
      } while (this.#again && !this.#timers.stopped);
    })().finally(() => { this.#reconciling = undefined; });
    return this.#reconciling;
  }

  #apply(events: readonly LeaseEvent[]): void {
    this.#deps.storeHealth?.(true);
    for (const e of events) {
      if (e.type === 'added') this.#leases.set(e.lease.subnet, e.lease);
      else {
        this.#leases.delete(e.lease.subnet);
        this.#hooks.removed(e.lease.subnet);
      }
    }
    this.#log.debug({ events: events.map((e) => `${e.type} ${e.lease.subnet}`) }, 'lease events');
    void this.reconcileSoon();
  }

  #replace(leases: readonly Lease[]): void {
    this.#deps.storeHealth?.(true);
    this.#leases = new Map(leases.map((l) => [l.subnet, l]));
    void this.reconcileSoon();
  }

  async #reconcileOnce(): Promise<void> {
    const ours = this.#hooks.ours();
    const publicIP = this.#deps.underlay.publicIP;
    const others = [...this.#leases.values()].filter((l) => !ours.includes(l.subnet) && l.attrs.PublicIP !== publicIP);
    let r: ReconcileResult;
    try {
      r = await this.#deps.datapath.reconcile(this.#hooks.device()!, others);
    } catch (err) {
      // Backed off, so a failure that recreating the device does not cure cannot spin.
      const delay = backoff(this.#failures++);
      if (err instanceof DeviceGoneError) {
        // Deleted by hand? Recreate it (a new index) with our address; the next pass programs it.
        this.#log.warn({ err: err.message }, 'the VXLAN device is gone; recreating it');
        if (!(await this.#hooks.recreateDevice())) return;
      } else {
        this.#log.warn({ err }, `reconcile failed; retrying in ${delay} ms`);
      }
      await this.#timers.sleep(delay);
      this.#again = true;
      return;
    }
    this.#failures = 0;
    this.#peers = others.length - r.skipped.length;
    this.#last = { at: Date.now(), added: r.added, removed: r.removed, kept: r.kept, failed: r.failed.length };
    const level = r.added || r.removed || r.failed.length ? 'info' : 'debug';
    this.#log[level]({ peers: this.#peers, added: r.added, removed: r.removed, kept: r.kept, failed: r.failed, skipped: r.skipped.map((s) => s.reason) }, 'peers reconciled');
  }

  #scheduleResync(): void {
    this.#timers.after(this.#deps.resyncMs, async () => {
      await this.reconcileSoon();
      this.#scheduleResync();
    });
  }
}
