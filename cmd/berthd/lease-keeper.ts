import type { Family } from '../../lib/ip';
import type { Logger } from '../../lib/log';
import type { Lease, LeaseAttrs, UnreadableLease } from '../../lib/overlay';
import type { AgentTimers } from './agent-timers';
import type { DaemonDeps } from './deps';
import { retryUntilStopped } from './retry';

/**
 * When to renew a lease of `ttlMs`: an hour before expiry for long leases (flannel's renew margin),
 * at a third of the TTL for short ones (the etcd client's keepalive rhythm).
 */
export function renewDelay(ttlMs: number): number {
  const HOUR = 3_600_000;
  return ttlMs > 3 * HOUR ? ttlMs - HOUR : Math.max(Math.floor(ttlMs / 3), 500);
}

/** What the agent does when the lease changes under it. */
export interface LeaseKeeperHooks {
  /** A renewal had to take another subnet: the device gets its address. */
  readonly subnetChanged: () => Promise<void>;
  /** After each renewal: the lease file gets the new expiry (and subnet). */
  readonly renewed: () => Promise<void>;
}

/**
 * This node's lease of one network and family: acquired (retried until it is, or the agent stops),
 * renewed on a timer, and taken back when the store lost it: the same subnet if it is free, else
 * another. A dual-stack network has two keepers, one per family, each on its own key and timer.
 */
export class LeaseKeeper {
  readonly #network: string;
  readonly #deps: DaemonDeps;
  readonly #timers: AgentTimers;
  readonly #log: Logger;
  readonly #attrs: LeaseAttrs;
  readonly #hooks: LeaseKeeperHooks;
  readonly #family: Family;
  #lease: Lease | undefined;
  #cancelRenew: (() => void) | undefined;
  #renewing = false;

  constructor(network: string, deps: DaemonDeps, timers: AgentTimers, log: Logger, attrs: LeaseAttrs, hooks: LeaseKeeperHooks, family: Family = 4) {
    this.#network = network;
    this.#deps = deps;
    this.#timers = timers;
    this.#family = family;
    this.#log = family === 4 ? log : log.child({ family: 'ipv6' });
    this.#attrs = attrs;
    this.#hooks = hooks;
  }

  /** The last lease held, one a renewal in flight at stop took included (leave() deletes it). */
  get lease(): Lease | undefined {
    return this.#lease;
  }

  /** Acquires the lease, asking for `previous` first; undefined when the agent stopped first. */
  async acquire(previous: string | undefined): Promise<Lease | undefined> {
    const { store, acquire } = this.#deps;
    const lease = await retryUntilStopped(this.#timers, this.#log, 'acquire a lease',
      () => acquire(store, this.#network, this.#attrs, this.#acquireOptions(previous)), this.#deps.storeHealth);
    // Kept even when we were stopped meanwhile: leave() deletes the lease it finds here.
    if (lease) this.#lease = lease;
    return lease;
  }

  /** Starts renewing the lease acquired. */
  start(): void {
    this.#schedule(renewDelay(this.#deps.leaseTtlMs));
  }

  /**
   * `subnet` was removed from the store: when it is ours (deleted by hand, or expired during an
   * outage), takes it back now, not at the next renewal, which may be hours away; meanwhile another
   * node could take the subnet.
   */
  removed(subnet: string): void {
    if (subnet !== this.#lease?.subnet || this.#renewing) return;
    this.#log.warn({ subnet }, 'our lease was removed from the store; renewing now');
    this.#schedule(0);
  }

  /** Schedules the next renewal, replacing a pending one (there is one renewal chain, never two). */
  #schedule(delay: number): void {
    this.#cancelRenew?.();
    this.#cancelRenew = this.#timers.after(delay, async () => {
      this.#cancelRenew = undefined;
      this.#renewing = true;
      try {
        await this.#renew();
      } finally {
        this.#renewing = false;
      }
    });
  }

  /** One renewal: refresh the lease, or take it (or another subnet) back when it is gone. */
  async #renew(): Promise<void> {
    const { store, acquire, leaseTtlMs: ttlMs, storeHealth } = this.#deps;
    const network = this.#network;
    const attrs = this.#attrs;
    const lease = this.#lease!;
    try {
      if (await store.renewLease(network, lease.subnet, attrs, ttlMs)) {
        this.#lease = { ...lease, expiresAt: Date.now() + ttlMs };
      } else {
        // A stopped agent takes no new lease (leave() would race it); a renewal is harmless.
        if (this.#timers.stopped) return;
        // Expired or deleted (a long outage): take the same subnet back if it is free, else a new one.
        this.#log.warn({ subnet: lease.subnet }, 'lease lost; acquiring again');
        this.#lease = (await store.createLease(network, lease.subnet, attrs, ttlMs))
          ? { subnet: lease.subnet, attrs, expiresAt: Date.now() + ttlMs }
          : await acquire(store, network, attrs, this.#acquireOptions(lease.subnet));
        if (this.#timers.stopped) return; // the new lease is #lease: leave() deletes it
        if (this.#lease.subnet !== lease.subnet) {
          this.#log.warn({ old: lease.subnet, subnet: this.#lease.subnet }, 'subnet changed');
          await this.#hooks.subnetChanged();
        }
      }
      if (this.#timers.stopped) return;
      storeHealth?.(true);
      await this.#hooks.renewed();
      this.#schedule(renewDelay(ttlMs));
    } catch (err) {
      storeHealth?.(false, err as Error);
      this.#log.warn({ err }, 'lease renewal failed; retrying');
      this.#schedule(Math.min(renewDelay(ttlMs), 1_000));
    }
  }

  #acquireOptions(previous: string | undefined): Parameters<DaemonDeps['acquire']>[3] {
    const base = { ttlMs: this.#deps.leaseTtlMs, previous, onUnreadable: this.#onUnreadable };
    // Family 4 is asked without the option, as before dual-stack (an injected acquire may not know it).
    return this.#family === 4 ? base : { ...base, family: this.#family };
  }

  /** A subnet the allocation skipped because its key's value cannot be read: worth an operator's look. */
  readonly #onUnreadable = (u: UnreadableLease): void => {
    this.#log.warn({ subnet: u.subnet, reason: u.reason }, 'subnet held by an unreadable store key: never chosen');
  };
}
