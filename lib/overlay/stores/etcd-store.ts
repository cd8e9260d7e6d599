/**
 * The overlay store on etcd v3 through the etcd3 npm client, in flannel's way (research B):
 * create-if-absent transactions for allocation, one etcd lease per subnet key for its TTL, a prefix
 * watch with prev-KV from a revision. Keys: {@link subnetKey} and {@link configKey}.
 *
 * Renewal follows flannel's updateSubnet rather than etcd keepalives: grant a new etcd lease and put
 * the key on it (guarded by the key's mod revision, so a lease taken over meanwhile is not overwritten),
 * then revoke the old etcd lease, which no key uses any more. berthd renews on its own schedule, so the
 * TTL stays whatever the caller asks for, and a berthd that stops renewing (dead, or cut off from etcd)
 * loses the subnet after one TTL, exactly as with the file store. Keepalives would tie the lease to the
 * client's liveness instead, and could not change the TTL.
 */
import type { Etcd3, IKeyValue, IOptions } from 'etcd3';
import type { LeaseSnapshot, SubnetStore, UnreadableLease, Watch, WatchHandlers } from '../store';
import type { Lease, LeaseAttrs, OverlayConfig } from '../types';
import { etcdTtlSeconds, expiryOfKv, leaseOfKv, NO_LEASE } from './etcd-values';
import { EtcdWatch } from './etcd-watch';
import { checkNetworkName, configKey, normalizePrefix, subnetKey, subnetOfKey, subnetsPrefix } from './keys';
import { checkTtl, parseLeaseAttrs } from './lease-attrs';
import { StoreError } from './store-error';
import { WatchRegistry } from './watch-plumbing';

/** Options of an {@link EtcdStore}. */
export interface EtcdStoreOptions {
  /** etcd client URLs, "http://10.0.0.1:2379" (a bare "host:port" means http). */
  hosts: string | string[];
  /** Key prefix (default "/berth/overlay"). */
  prefix?: string;
  /**
   * How long one request may take, connecting included (default 5 s). etcd3 has a `dialTimeout`
   * option but never uses it, so this becomes a deadline on every unary call (never on the watch
   * stream, which lives as long as the watch).
   */
  dialTimeoutMs?: number;
}

type HostPolicy = ReturnType<NonNullable<NonNullable<IOptions['faultHandling']>['host']>>;

/**
 * etcd3's default per-host circuit breaker refuses every call for 5 s after three failures, which
 * would hold back the catch-up after etcd returns; we retry with our own backoff instead. async: etcd3
 * calls it from a stream's 'error' listener with a function that throws, and expects a rejection.
 */
const passThrough = { execute: async (fn: (ctx: { signal: AbortSignal }) => unknown) => fn({ signal: new AbortController().signal }) } as unknown as HostPolicy;

/**
 * {@link SubnetStore} on etcd v3. A lease is ours to renew when its PublicIP is ours. A key stored
 * without an etcd lease (an operator's reservation) never expires, and renewing it keeps it so.
 */
export class EtcdStore implements SubnetStore {
  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #watches = new WatchRegistry();

  constructor(opts: EtcdStoreOptions) {
    const hosts = (Array.isArray(opts?.hosts) ? opts.hosts : [opts?.hosts]).map((h) => {
      if (typeof h !== 'string' || h.trim() === '') throw new TypeError(`etcd hosts: ${JSON.stringify(h)} is not an etcd URL`);
      return /^[a-z]+:\/\//i.test(h) ? h : `http://${h}`;
    });
    if (hosts.length === 0) throw new TypeError('etcd hosts: at least one etcd URL is needed');
    const timeout = opts.dialTimeoutMs ?? 5_000;
    if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError(`etcd dialTimeoutMs: ${JSON.stringify(opts.dialTimeoutMs)} is not a positive number`);
    this.#prefix = normalizePrefix(opts.prefix);
    // Loaded here, not at import: etcd3 brings gRPC (~100 ms of start-up), which nobody importing
    // lib/overlay for its model or the file store (a CNI plugin) should pay for.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Etcd3: Client } = require('etcd3') as typeof import('etcd3');
    this.#client = new Client({
      hosts,
      faultHandling: { host: () => passThrough },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    });
  }

  async getConfig(network: string): Promise<OverlayConfig | undefined> {
    const key = configKey(this.#prefix, network);
    const text = await this.#call('getConfig', network, key, () => this.#client.get(key).string());
    return text === null ? undefined : parseConfig(text, network, key);
  }

  /** One range read of the prefix, keeping only `<prefix>/<network>/config` keys. */
  async listConfigs(): Promise<ReadonlyMap<string, OverlayConfig | undefined>> {
    const prefix = `${this.#prefix}/`;
    const res = await this.#call('listConfigs', undefined, prefix, () => this.#client.getAll().prefix(prefix).exec());
    const out = new Map<string, OverlayConfig | undefined>();
    for (const kv of res.kvs) {
      const key = kv.key.toString();
      const m = /^([^/]+)\/config$/.exec(key.slice(prefix.length));
      if (m === null) continue;
      try {
        out.set(m[1]!, parseConfig(kv.value.toString(), m[1]!, key));
      } catch {
        // Not JSON: its VNI is unknown, which is not the same as free (nodes that read it earlier
        // may serve it still). Listed as undefined so that the VNI choice can refuse to guess.
        out.set(m[1]!, undefined);
      }
    }
    return out;
  }

  async putConfigIfAbsent(network: string, config: OverlayConfig): Promise<OverlayConfig> {
    const key = configKey(this.#prefix, network);
    const res = await this.#call('putConfigIfAbsent', network, key, () =>
      this.#client.if(key, 'Version', '==', 0).then(this.#client.put(key).value(JSON.stringify(config))).else(this.#client.get(key)).commit(),
    );
    if (res.succeeded) return config;
    const kv = res.responses[0]?.response_range?.kvs[0];
    if (kv === undefined) throw new StoreError('putConfigIfAbsent', 'the config vanished during the transaction', { network, where: key });
    return parseConfig(kv.value.toString(), network, key);
  }

  /**
   * A subnet key whose value is not a lease (another program's key, a damaged write) is reported in
   * `unreadable`: not a peer, but its subnet held. A key under the prefix that names no subnet is
   * ignored (it holds nothing a create could collide with).
   */
  async listLeases(network: string): Promise<LeaseSnapshot> {
    const prefix = subnetsPrefix(this.#prefix, network);
    const res = await this.#call('listLeases', network, prefix, () => this.#client.getAll().prefix(prefix).exec());
    const unreadable: UnreadableLease[] = [];
    const readable: IKeyValue[] = [];
    for (const kv of res.kvs) {
      const subnet = subnetOfKey(kv.key.toString());
      if (subnet === undefined) continue;
      try {
        leaseOfKv(kv);
        readable.push(kv);
      } catch (err) {
        unreadable.push({ subnet, reason: (err as Error).message });
      }
    }
    const leases = await Promise.all(readable.map((kv) => this.#leaseWithExpiry(kv)));
    return {
      leases: leases.filter((l): l is Lease => l !== undefined).sort((a, b) => (a.subnet < b.subnet ? -1 : 1)),
      revision: Number(res.header.revision),
      ...(unreadable.length > 0 ? { unreadable: unreadable.sort((a, b) => (a.subnet < b.subnet ? -1 : 1)) } : {}),
    };
  }

  async createLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number): Promise<boolean> {
    const key = subnetKey(this.#prefix, network, subnet);
    const value = JSON.stringify(parseLeaseAttrs(attrs));
    checkTtl(ttlMs);
    return this.#call('createLease', network, key, async () => {
      const id = await this.#grant(ttlMs);
      const res = await this.#client.if(key, 'Version', '==', 0).then(this.#client.put(key).value(value).lease(id)).commit();
      if (!res.succeeded) await this.#revoke(id);
      return res.succeeded;
    });
  }

  async renewLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number): Promise<boolean> {
    const key = subnetKey(this.#prefix, network, subnet);
    const checked = parseLeaseAttrs(attrs);
    checkTtl(ttlMs);
    return this.#call('renewLease', network, key, async () => {
      // A few rounds: a concurrent renewal of our own (another berthd call) moves the mod revision.
      for (let round = 0; round < 3; round++) {
        const kv = (await this.#client.get(key).exec()).kvs[0];
        if (kv === undefined || leaseOrUndefined(kv)?.attrs.PublicIP !== checked.PublicIP) return false;
        // A key without an etcd lease is an operator's reservation: it stays one, as in flannel.
        const reservation = kv.lease === NO_LEASE;
        const id = reservation ? undefined : await this.#grant(ttlMs);
        const put = this.#client.put(key).value(JSON.stringify(checked));
        const res = await this.#client.if(key, 'Mod', '==', kv.mod_revision).then(id === undefined ? put : put.lease(id)).commit();
        if (res.succeeded) {
          if (!reservation) await this.#revoke(kv.lease);
          return true;
        }
        if (id !== undefined) await this.#revoke(id);
      }
      return false;
    });
  }

  async deleteLease(network: string, subnet: string): Promise<void> {
    const key = subnetKey(this.#prefix, network, subnet);
    await this.#call('deleteLease', network, key, async () => {
      const res = await this.#client.delete().key(key).getPrevious();
      const lease = res[0]?.lease;
      if (lease !== undefined && lease !== NO_LEASE) await this.#revoke(lease);
    });
  }

  async watchLeases(network: string, fromRevision: number, handlers: WatchHandlers): Promise<Watch> {
    checkNetworkName(network);
    if (!Number.isSafeInteger(fromRevision) || fromRevision < 0) throw new TypeError(`watch fromRevision: ${JSON.stringify(fromRevision)} is not a revision`);
    const watch = new EtcdWatch({ client: this.#client, keyPrefix: subnetsPrefix(this.#prefix, network), network, list: () => this.listLeases(network) }, fromRevision, handlers);
    return this.#watches.track(watch);
  }

  async close(): Promise<void> {
    await this.#watches.cancelAll();
    this.#client.close();
  }

  /** A key-value as a lease with its expiry, or undefined when it is not a lease. */
  async #leaseWithExpiry(kv: IKeyValue): Promise<Lease | undefined> {
    const lease = leaseOrUndefined(kv);
    if (lease === undefined) return undefined;
    const expiresAt = await expiryOfKv(this.#client, kv);
    return expiresAt === undefined ? lease : { ...lease, expiresAt };
  }

  async #grant(ttlMs: number): Promise<string> {
    return (await this.#client.leaseClient.leaseGrant({ TTL: etcdTtlSeconds(ttlMs) })).ID;
  }

  /** Best effort: an etcd lease left behind expires by itself. */
  async #revoke(id: string): Promise<void> {
    try {
      await this.#client.leaseClient.leaseRevoke({ ID: id });
    } catch {
      // Expired already, or etcd is unreachable: it will expire on its own.
    }
  }

  /** Runs an etcd call, wrapping its failure in a StoreError naming the operation and key. */
  async #call<T>(op: string, network: string | undefined, key: string, fn: () => Promise<T>): Promise<T> {
    if (network !== undefined) checkNetworkName(network);
    try {
      return await fn();
    } catch (err) {
      throw new StoreError(op, 'etcd request failed', { network, where: key, cause: err });
    }
  }
}

function parseConfig(text: string, network: string, key: string): OverlayConfig {
  try {
    return JSON.parse(text) as OverlayConfig;
  } catch (err) {
    throw new StoreError('getConfig', 'the stored config is not JSON', { network, where: key, cause: err });
  }
}

function leaseOrUndefined(kv: IKeyValue): Lease | undefined {
  try {
    return leaseOfKv(kv);
  } catch {
    return undefined;
  }
}
