import type { Logger } from '../../lib/log';
import {
  validateConfig, DeviceGoneError, ensureVtepMac, vxlanDeviceName, type SubnetStore, type UnreadableLease, type Watch,
  type Lease, type LeaseAttrs, type LeaseEvent, type OverlayConfig, type ReconcileResult,
} from '../../lib/overlay';
import type { Datapath, DeviceInfo } from './datapath';
import { bridgeName, readLeaseFile, removeLeaseFile, writeLeaseFile } from './lease-file';
import type { Underlay } from './underlay';

/** VXLAN over IPv4: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD = 50;

/** Leases a subnet for this node (reusing ours by PublicIP): lib/overlay/allocate.ts's acquireLease. */
export type AcquireLease = (store: SubnetStore, network: string, attrs: LeaseAttrs, opts: { ttlMs: number; previous?: string; onUnreadable?: (lease: UnreadableLease) => void }) => Promise<Lease>;

/** What every network agent of a daemon shares. */
export interface AgentContext {
  readonly store: SubnetStore;
  readonly datapath: Datapath;
  readonly acquire: AcquireLease;
  readonly underlay: Underlay;
  readonly stateDir: string;
  readonly runDir: string;
  readonly leaseTtlMs: number;
  readonly resyncMs: number;
  readonly log: Logger;
  /** Called with true after any store call succeeds, false after one fails. */
  readonly storeHealth?: (ok: boolean, err?: Error) => void;
  /** The network other than `self` this node already serves on `vni`, if any (one VNI, one device). */
  readonly vniHolder?: (vni: number, self: string) => string | undefined;
}

/** One network's state, for the status API. */
export interface NetworkStatus {
  readonly name: string;
  /** `conflict`: the config's VNI is another served network's; the agent waits for it to be free. */
  readonly state: 'waiting-config' | 'conflict' | 'leasing' | 'serving' | 'stopped';
  /** Why the agent is not serving (state `conflict`). */
  readonly error?: string;
  readonly network?: string;
  readonly subnet?: string;
  readonly vni?: number;
  readonly device?: string;
  readonly mtu?: number;
  readonly vtepMAC?: string;
  readonly leaseExpiresAt?: number;
  readonly peers: number;
  readonly lastReconcile?: { readonly at: number; readonly added: number; readonly removed: number; readonly kept: number; readonly failed: number };
}

/**
 * When to renew a lease of `ttlMs`: an hour before expiry for long leases (flannel's renew margin),
 * at a third of the TTL for short ones (the etcd client's keepalive rhythm).
 */
export function renewDelay(ttlMs: number): number {
  const HOUR = 3_600_000;
  return ttlMs > 3 * HOUR ? ttlMs - HOUR : Math.max(Math.floor(ttlMs / 3), 500);
}

/**
 * Serves one overlay network on this node: waits for its config, leases a subnet, ensures the VXLAN
 * device, writes the lease file, watches the leases and reconciles the peers on every change, on every
 * watch resync and every `resyncMs`, and renews the lease. Store failures are retried forever and never
 * touch the datapath: what is programmed stays until the store says otherwise.
 */
export class NetworkAgent {
  readonly name: string;
  readonly #ctx: AgentContext;
  readonly #log: Logger;
  #state: NetworkStatus['state'] = 'waiting-config';
  #config: OverlayConfig | undefined;
  #lease: Lease | undefined;
  #attrs: LeaseAttrs | undefined;
  #device: DeviceInfo | undefined;
  #leases = new Map<string, Lease>();
  #watch: Watch | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #stopped = false;
  #reconciling: Promise<void> | undefined;
  #again = false;
  #last: NetworkStatus['lastReconcile'];
  #peers = 0;
  #run: Promise<void> | undefined;
  #error: string | undefined;
  /** Work started by timers (renewals, resyncs): stop() waits for it, so nothing lands after it. */
  readonly #inflight = new Set<Promise<unknown>>();
  /** Wakes the retry and backoff sleeps at stop(). */
  readonly #wakers = new Set<() => void>();
  #reconcileFailures = 0;
  #renewTimer: NodeJS.Timeout | undefined;
  #renewing = false;

  constructor(name: string, ctx: AgentContext) {
    this.name = name;
    this.#ctx = ctx;
    this.#log = ctx.log.child({ network: name });
  }

  /** Starts serving in the background; resolves at once. */
  start(): void {
    this.#run ??= this.#main().catch((err: unknown) => {
      if (!this.#stopped) this.#log.error({ err }, 'network agent failed');
    });
  }

  /** Resolves once the network is served (device up, lease file written), or the agent stopped. */
  async ready(): Promise<void> {
    while (!this.#stopped && this.#state !== 'serving') await sleep(50);
  }

  /**
   * Graceful stop: timers and watch end; the device, its entries, the lease and the lease file stay.
   * Resolves once the work in flight (start-up, a renewal, a reconcile) has finished, so that none of
   * it writes the lease file or takes a lease after stop() returned.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#state = 'stopped';
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const wake of this.#wakers) wake();
    this.#wakers.clear();
    const w = this.#watch;
    this.#watch = undefined;
    await w?.cancel().catch(() => undefined);
    await this.#run;
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    // A watch that start-up opened after this point was cancelled by #startWatch itself.
    await this.#reconciling;
  }

  /**
   * The node leaves the network: stop, then delete the lease, the device and the lease file. The lease
   * deleted is the last one the agent held, one taken by a renewal in flight at stop() included.
   */
  async leave(): Promise<void> {
    await this.stop();
    const lease = this.#lease;
    if (lease) await this.#ctx.store.deleteLease(this.name, lease.subnet);
    const vni = this.#config?.Backend.VNI;
    if (vni !== undefined) await this.#ctx.datapath.deleteDevice(vxlanDeviceName(vni));
    await removeLeaseFile(this.#ctx.runDir, this.name);
    this.#log.info({ subnet: lease?.subnet }, 'left the network');
  }

  /** The device (undefined until it exists). */
  get device(): DeviceInfo | undefined {
    return this.#device;
  }

  get config(): OverlayConfig | undefined {
    return this.#config;
  }

  /** The leases as the watch sees them (ours included). */
  leases(): Lease[] {
    return [...this.#leases.values()];
  }

  status(): NetworkStatus {
    return {
      name: this.name, state: this.#state, network: this.#config?.Network, subnet: this.#lease?.subnet,
      vni: this.#config?.Backend.VNI, device: this.#device?.name, mtu: this.#device?.mtu, vtepMAC: this.#attrs?.BackendData.VtepMAC,
      leaseExpiresAt: this.#lease?.expiresAt, peers: this.#peers, lastReconcile: this.#last,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
    };
  }

  async #main(): Promise<void> {
    const ctx = this.#ctx;
    const config = await this.#retry('read the network config', async () => {
      const c = await ctx.store.getConfig(this.name);
      if (!c) throw new NotYet('no config in the store yet');
      let valid: OverlayConfig;
      try {
        valid = validateConfig(c);
      } catch (err) {
        throw new NotYet(`the stored config is invalid: ${(err as Error).message}`);
      }
      // Checked and claimed in one synchronous step, so two agents never both pass with one VNI.
      const holder = ctx.vniHolder?.(valid.Backend.VNI, this.name);
      if (holder !== undefined) {
        this.#state = 'conflict';
        this.#error = `vni ${valid.Backend.VNI} is network ${JSON.stringify(holder)}'s, served here already`;
        throw new NotYet(this.#error);
      }
      this.#config = valid;
      return valid;
    });
    if (!config) return;
    this.#error = undefined;
    this.#state = 'leasing';
    const devName = vxlanDeviceName(config.Backend.VNI);
    const mac = await this.#retry('load the VTEP MAC', async () =>
      ensureVtepMac(ctx.stateDir, this.name, await ctx.datapath.deviceMac(devName)), false);
    if (!mac) return;
    this.#attrs = { PublicIP: ctx.underlay.publicIP, BackendType: 'vxlan', BackendData: { VNI: config.Backend.VNI, VtepMAC: mac } };
    const previous = await readLeaseFile(ctx.runDir, this.name).then((f) => f?.subnet, (err: unknown) => {
      // Only a hint: a damaged file must never hold up leasing.
      this.#log.warn({ err: (err as Error).message }, 'ignoring the previous lease file');
      return undefined;
    });
    const lease = await this.#retry('acquire a lease', () => ctx.acquire(ctx.store, this.name, this.#attrs!, { ttlMs: ctx.leaseTtlMs, previous, onUnreadable: this.#onUnreadable }));
    if (!lease) return;
    // Kept even when we were stopped meanwhile: leave() deletes the lease it finds here.
    this.#lease = lease;
    this.#log.info({ subnet: lease.subnet, vtepMAC: mac }, 'lease acquired');
    if (this.#stopped || !(await this.#ensureDevice()) || this.#stopped) return;
    await this.#writeLeaseFile();
    if (this.#stopped) return;
    this.#state = 'serving';
    this.#scheduleRenew(renewDelay(ctx.leaseTtlMs));
    this.#scheduleResync();
    await this.#startWatch();
  }

  async #ensureDevice(): Promise<boolean> {
    const config = this.#config!;
    const ctx = this.#ctx;
    const dev = await this.#retry('ensure the VXLAN device', () => ctx.datapath.ensureDevice({
      name: vxlanDeviceName(config.Backend.VNI), vni: config.Backend.VNI, port: config.Backend.Port,
      local: ctx.underlay.publicIP, underlayIndex: ctx.underlay.index, mtu: ctx.underlay.mtu - VXLAN_OVERHEAD,
      mac: this.#attrs!.BackendData.VtepMAC,
    }, this.#lease!.subnet), false);
    if (dev) this.#device = dev;
    return dev !== undefined;
  }

  async #writeLeaseFile(): Promise<void> {
    if (this.#stopped) return; // leave() may be removing it
    const config = this.#config!;
    const lease = this.#lease!;
    await writeLeaseFile(this.#ctx.runDir, {
      name: this.name, network: config.Network, subnet: lease.subnet, mtu: this.#device!.mtu, vni: config.Backend.VNI,
      bridge: bridgeName(config.Backend.VNI), ...(lease.expiresAt !== undefined ? { expiresAt: lease.expiresAt } : {}),
    }).catch((err: unknown) => this.#log.error({ err }, 'cannot write the lease file'));
  }

  async #startWatch(): Promise<void> {
    const ctx = this.#ctx;
    await this.#retry('list and watch the leases', async () => {
      const snap = await ctx.store.listLeases(this.name);
      if (this.#stopped) return true;
      this.#replace(snap.leases);
      const watch = await ctx.store.watchLeases(this.name, snap.revision, {
        onEvents: (events) => this.#apply(events),
        onResync: (s) => {
          this.#log.info({ leases: s.leases.length }, 'watch resynced');
          this.#replace(s.leases);
        },
        onError: (err) => ctx.storeHealth?.(false, err),
      });
      if (this.#stopped) await watch.cancel();
      else this.#watch = watch;
      return true;
    });
  }

  #apply(events: readonly LeaseEvent[]): void {
    this.#ctx.storeHealth?.(true);
    for (const e of events) {
      if (e.type === 'added') this.#leases.set(e.lease.subnet, e.lease);
      else this.#leases.delete(e.lease.subnet);
      // Our lease deleted (by hand, or expired during an outage): take it back now, not at the next
      // renewal, which may be hours away; meanwhile another node could take the subnet.
      if (e.type === 'removed' && e.lease.subnet === this.#lease?.subnet && this.#state === 'serving' && !this.#renewing) {
        this.#log.warn({ subnet: e.lease.subnet }, 'our lease was removed from the store; renewing now');
        this.#scheduleRenew(0);
      }
    }
    this.#log.debug({ events: events.map((e) => `${e.type} ${e.lease.subnet}`) }, 'lease events');
    this.reconcileSoon();
  }

  #replace(leases: readonly Lease[]): void {
    this.#ctx.storeHealth?.(true);
    this.#leases = new Map(leases.map((l) => [l.subnet, l]));
    this.reconcileSoon();
  }

  /** Runs a reconcile now, or once more after the running one (changes coalesce). */
  reconcileSoon(): Promise<void> {
    if (this.#stopped || !this.#device) return Promise.resolve();
    if (this.#reconciling) {
      this.#again = true;
      return this.#reconciling;
    }
    this.#reconciling = (async () => {
      do {
        this.#again = false;
        await this.#reconcileOnce();
      } while (this.#again && !this.#stopped);
    })().finally(() => { this.#reconciling = undefined; });
    return this.#reconciling;
  }

  async #reconcileOnce(): Promise<void> {
    const ours = this.#lease;
    const others = [...this.#leases.values()].filter((l) => l.subnet !== ours?.subnet && l.attrs.PublicIP !== this.#ctx.underlay.publicIP);
    let r: ReconcileResult;
    try {
      r = await this.#ctx.datapath.reconcile(this.#device!, others);
    } catch (err) {
      // Backed off, so a failure that recreating the device does not cure cannot spin.
      const delay = Math.min(250 * 2 ** this.#reconcileFailures, 5_000);
      this.#reconcileFailures++;
      if (err instanceof DeviceGoneError) {
        // Deleted by hand? Recreate it (a new index) with our address; the next pass programs it.
        this.#log.warn({ err: err.message }, 'the VXLAN device is gone; recreating it');
        if (!(await this.#ensureDevice())) return;
      } else {
        this.#log.warn({ err }, `reconcile failed; retrying in ${delay} ms`);
      }
      await this.#sleep(delay);
      this.#again = true;
      return;
    }
    this.#reconcileFailures = 0;
    this.#peers = others.length - r.skipped.length;
    this.#last = { at: Date.now(), added: r.added, removed: r.removed, kept: r.kept, failed: r.failed.length };
    const level = r.added || r.removed || r.failed.length ? 'info' : 'debug';
    this.#log[level]({ peers: this.#peers, added: r.added, removed: r.removed, kept: r.kept, failed: r.failed, skipped: r.skipped.map((s) => s.reason) }, 'peers reconciled');
  }

  #scheduleResync(): void {
    this.#timer(this.#ctx.resyncMs, async () => {
      await this.reconcileSoon();
      this.#scheduleResync();
    });
  }

  /** Schedules the next renewal, replacing a pending one (there is one renewal chain, never two). */
  #scheduleRenew(delay: number): void {
    if (this.#renewTimer !== undefined) {
      clearTimeout(this.#renewTimer);
      this.#timers.delete(this.#renewTimer);
    }
    this.#renewTimer = this.#timer(delay, async () => {
      this.#renewTimer = undefined;
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
    const ctx = this.#ctx;
    const lease = this.#lease!;
    try {
      if (await ctx.store.renewLease(this.name, lease.subnet, this.#attrs!, ctx.leaseTtlMs)) {
        this.#lease = { ...lease, expiresAt: Date.now() + ctx.leaseTtlMs };
      } else {
        // A stopped agent takes no new lease (leave() would race it); a renewal is harmless.
        if (this.#stopped) return;
        // Expired or deleted (a long outage): take the same subnet back if it is free, else a new one.
        this.#log.warn({ subnet: lease.subnet }, 'lease lost; acquiring again');
        this.#lease = (await ctx.store.createLease(this.name, lease.subnet, this.#attrs!, ctx.leaseTtlMs))
          ? { subnet: lease.subnet, attrs: this.#attrs!, expiresAt: Date.now() + ctx.leaseTtlMs }
          : await ctx.acquire(ctx.store, this.name, this.#attrs!, { ttlMs: ctx.leaseTtlMs, previous: lease.subnet, onUnreadable: this.#onUnreadable });
        if (this.#stopped) return; // the new lease is #lease: leave() deletes it
        if (this.#lease.subnet !== lease.subnet) {
          this.#log.warn({ old: lease.subnet, subnet: this.#lease.subnet }, 'subnet changed');
          await this.#ensureDevice();
        }
      }
      if (this.#stopped) return;
      ctx.storeHealth?.(true);
      await this.#writeLeaseFile();
      this.#scheduleRenew(renewDelay(ctx.leaseTtlMs));
    } catch (err) {
      ctx.storeHealth?.(false, err as Error);
      this.#log.warn({ err }, 'lease renewal failed; retrying');
      this.#scheduleRenew(Math.min(renewDelay(ctx.leaseTtlMs), 1_000));
    }
  }

  #timer(ms: number, fn: () => Promise<void>): NodeJS.Timeout | undefined {
    if (this.#stopped) return undefined;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (this.#stopped) return;
      const work = fn().catch((err: unknown) => this.#log.error({ err }, 'timer failed'));
      this.#inflight.add(work);
      void work.finally(() => this.#inflight.delete(work));
    }, ms);
    this.#timers.add(t);
    return t;
  }

  /**
   * Runs `fn` until it succeeds or the agent stops (then undefined), backing off 250 ms → 5 s.
   * @param store whether failures mean the store is unreachable (for the status API)
   */
  async #retry<T>(what: string, fn: () => Promise<T>, store = true): Promise<T | undefined> {
    for (let delay = 250; !this.#stopped; delay = Math.min(delay * 2, 5_000)) {
      try {
        const v = await fn();
        if (store) this.#ctx.storeHealth?.(true);
        return v;
      } catch (err) {
        if (store && !(err instanceof NotYet)) this.#ctx.storeHealth?.(false, err as Error);
        else if (err instanceof NotYet) this.#ctx.storeHealth?.(true);
        this.#log.warn({ err: (err as Error).message }, `cannot ${what}; retrying in ${delay} ms`);
        await this.#sleep(delay);
      }
    }
    return undefined;
  }

  /** A subnet the allocation skipped because its key's value cannot be read: worth an operator's look. */
  readonly #onUnreadable = (u: UnreadableLease): void => {
    this.#log.warn({ subnet: u.subnet, reason: u.reason }, 'subnet held by an unreadable store key: never chosen');
  };

  /** Sleeps `ms`, or less when the agent stops meanwhile. */
  #sleep(ms: number): Promise<void> {
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
}

/** Not a failure: something the agent waits for is not there yet (or, for a VNI conflict, not free yet). */
class NotYet extends Error {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
