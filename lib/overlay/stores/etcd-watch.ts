/**
 * A watch on etcd that never gives up and never skips: a prefix watch with prev-KV from the last
 * revision it delivered, re-created by us (not by the etcd3 client) after every disconnect, and a
 * re-list + onResync whenever etcd cannot resume it (compaction: etcd3 emits 'error' "Watcher
 * canceled: " with an empty reason). flannel's watchSubnets/resyncWatch, with its 100 ms → 5 s backoff.
 *
 * Why not let etcd3 reconnect its watchers: it restarts them from the header revision of the last
 * response plus one, and a created response's header is the current revision, not what was delivered,
 * so events still in flight when the stream breaks would be skipped. We track the revision of the last
 * event received instead.
 */
import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import type { LeaseSnapshot, Watch, WatchHandlers } from '../store';
import type { LeaseEvent } from '../types';
import { expiryOfKv, leaseOfKv } from './etcd-values';
import { StoreError } from './store-error';
import { GuardedHandlers } from './watch-plumbing';

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** How long cancel() waits for etcd to confirm; a dead etcd never will. */
const CANCEL_WAIT_MS = 1_000;

/** What an etcd watch needs from its store. */
export interface EtcdWatchSource {
  readonly client: Etcd3;
  /** `<prefix>/<network>/subnets/`. */
  readonly keyPrefix: string;
  readonly network: string;
  /** A fresh listing for a resync. */
  list(): Promise<LeaseSnapshot>;
}

/** A running watch of one network's leases in etcd. */
export class EtcdWatch implements Watch {
  readonly #source: EtcdWatchSource;
  readonly #guard: GuardedHandlers;
  /** The revision of the last event received: the next watch starts after it. */
  #revision: number;
  #watcher: Watcher | undefined;
  #backoffMs = MIN_BACKOFF_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  /** What the retry timer will do; a pending resync is never downgraded to a mere reconnect. */
  #pending: 'connect' | 'resync' | undefined;
  #cancelled = false;
  /** Deliveries and resyncs run one at a time, in the order etcd sent what caused them. */
  #queue: Promise<void> = Promise.resolve();

  constructor(source: EtcdWatchSource, fromRevision: number, handlers: WatchHandlers) {
    this.#source = source;
    this.#guard = new GuardedHandlers(handlers);
    this.#revision = fromRevision;
    this.#connect();
  }

  async cancel(): Promise<void> {
    this.#cancelled = true;
    clearTimeout(this.#retryTimer);
    const w = this.#watcher;
    this.#watcher = undefined;
    if (w !== undefined) await Promise.race([w.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, CANCEL_WAIT_MS).unref())]);
    await this.#queue;
  }

  #connect(): void {
    if (this.#cancelled) return;
    if (this.#watcher !== undefined) this.#drop(this.#watcher);
    const w = this.#source.client.watch().prefix(this.#source.keyPrefix).startRevision(String(this.#revision + 1)).withPreviousKV().watcher();
    this.#watcher = w;
    const current = () => w === this.#watcher && !this.#cancelled;
    w.on('connected', (res: IWatchResponse) => {
      if (!current()) return;
      this.#backoffMs = MIN_BACKOFF_MS;
      // etcd accepts a watch from a future revision and stays silent below it: after etcd was
      // recreated (its revisions restart at 1), a watch from our old revision would never see a
      // change. A store whose head is behind what we have seen lost its history: re-list.
      if (Number(res.header.revision) < this.#revision) {
        this.#drop(w);
        this.#enqueue(() => this.#resync());
      }
    });
    w.on('data', (res: IWatchResponse) => {
      if (current()) this.#receive(res);
    });
    w.on('disconnected', (err: Error) => {
      if (!current()) return;
      this.#drop(w);
      this.#guard.report(new StoreError('watchLeases', `watch disconnected, retrying from revision ${this.#revision + 1}`, { network: this.#source.network, where: this.#source.keyPrefix, cause: err }));
      this.#retry('connect');
    });
    // 'error' is final for that watcher: etcd canceled it (compacted revision, or any other reason).
    w.on('error', () => {
      if (!current()) return;
      this.#drop(w);
      this.#enqueue(() => this.#resync());
    });
  }

  /** Takes the watcher out of service; etcd3 keeps no reconnect of its own going for it. */
  #drop(w: Watcher): void {
    if (this.#watcher === w) this.#watcher = undefined;
    void w.cancel().catch(() => undefined);
  }

  #receive(res: IWatchResponse): void {
    if (res.events.length === 0) {
      // A progress notification: etcd sends it only to a watcher that has been sent everything up to
      // its header revision, so resuming after that revision misses nothing.
      if (!res.created && !res.canceled) this.#revision = Math.max(this.#revision, Number(res.header.revision));
      return;
    }
    // Advance at once (not after delivery): a reconnect must start after what is already queued.
    for (const ev of res.events) this.#revision = Math.max(this.#revision, Number(ev.kv.mod_revision));
    const revision = this.#revision;
    const raw = res.events.map((ev) => ({ type: ev.type, kv: ev.kv, prev: ev.prev_kv }));
    this.#enqueue(() => this.#deliver(raw, revision));
  }

  async #deliver(raw: { type: string; kv: IKeyValue; prev: IKeyValue | undefined }[], revision: number): Promise<void> {
    const events: LeaseEvent[] = [];
    let lostPrevious = false;
    for (const { type, kv, prev } of raw) {
      try {
        if (type === 'Put') {
          events.push({ type: 'added', lease: leaseOfKv(kv, await expiryOfKv(this.#source.client, kv)) });
        } else if (prev !== undefined) {
          events.push({ type: 'removed', lease: leaseOfKv(prev) });
        } else {
          lostPrevious = true;
        }
      } catch (err) {
        // A malformed value (not ours to fix): skip it, say so, keep watching. If it overwrote a
        // readable lease, that lease is gone all the same: its peer entries must go with it.
        this.#guard.report(new StoreError('watchLeases', 'skipped an unreadable lease', { network: this.#source.network, cause: err }));
        if (type === 'Put' && prev !== undefined) {
          try {
            events.push({ type: 'removed', lease: leaseOfKv(prev) });
          } catch {
            // the previous value was unreadable too: nothing of it was ever programmed
          }
        }
      }
    }
    if (this.#cancelled) return;
    if (events.length > 0) this.#guard.call((h) => h.onEvents(events, revision));
    // A delete without its previous value cannot say what to remove: a resync diff can.
    if (lostPrevious) await this.#resync();
  }

  /** Re-lists, hands the listing over, and watches again after its revision; retried while etcd is down. */
  async #resync(): Promise<void> {
    if (this.#cancelled) return;
    let snapshot: LeaseSnapshot;
    try {
      snapshot = await this.#source.list();
    } catch (err) {
      this.#guard.report(new StoreError('watchLeases', 'resync listing failed, retrying', { network: this.#source.network, where: this.#source.keyPrefix, cause: err }));
      this.#retry('resync');
      return;
    }
    if (this.#cancelled) return;
    clearTimeout(this.#retryTimer);
    this.#pending = undefined;
    if (this.#watcher !== undefined) this.#drop(this.#watcher);
    this.#revision = snapshot.revision;
    this.#guard.call((h) => h.onResync(snapshot));
    this.#connect();
  }

  /** Runs `step` after the current backoff (100 ms, doubling up to 5 s; reset by a connected watch). */
  #retry(step: 'connect' | 'resync'): void {
    if (this.#cancelled || (step === 'connect' && this.#pending === 'resync')) return;
    this.#pending = step;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      const next = this.#pending;
      this.#pending = undefined;
      if (next === 'resync') this.#enqueue(() => this.#resync());
      else this.#connect();
    }, this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
  }

  #enqueue(fn: () => Promise<void>): void {
    this.#queue = this.#queue.then(fn).catch((err: unknown) => this.#guard.report(err));
  }

}
