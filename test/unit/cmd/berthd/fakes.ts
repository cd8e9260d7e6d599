// In-memory stand-ins for berthd's store, allocator and datapath, so the daemon and its API run in
// unit tests with no privileges and no files but temp dirs.
import type { LeaseSnapshot, SubnetStore, Watch, WatchHandlers } from '../../../../lib/overlay/store';
import type { Lease, LeaseAttrs, OverlayConfig } from '../../../../lib/overlay/types';
import type { Datapath, DeviceInfo } from '../../../../cmd/berthd/datapath';
import type { AcquireLease } from '../../../../cmd/berthd/deps';
import { DeviceGoneError, type ReconcileResult } from '../../../../lib/overlay/datapath';

/** A SubnetStore in memory; `down = true` makes every call fail as an unreachable etcd would. */
export class MemoryStore implements SubnetStore {
  configs = new Map<string, OverlayConfig>();
  leasesOf = new Map<string, Map<string, Lease>>();
  watchers: { network: string; h: WatchHandlers }[] = [];
  revision = 1;
  down = false;

  #check(): void {
    if (this.down) throw new Error('store unreachable');
  }
  #net(network: string): Map<string, Lease> {
    let m = this.leasesOf.get(network);
    if (!m) this.leasesOf.set(network, (m = new Map()));
    return m;
  }
  async getConfig(network: string) { this.#check(); return this.configs.get(network); }
  async listConfigs() { this.#check(); return new Map(this.configs); }
  async putConfigIfAbsent(network: string, config: OverlayConfig) {
    this.#check();
    if (!this.configs.has(network)) this.configs.set(network, config);
    return this.configs.get(network)!;
  }
  async listLeases(network: string): Promise<LeaseSnapshot> { this.#check(); return { leases: [...this.#net(network).values()], revision: this.revision }; }
  async createLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number) {
    this.#check();
    if (this.#net(network).has(subnet)) return false;
    this.put(network, { subnet, attrs, expiresAt: Date.now() + ttlMs });
    return true;
  }
  async renewLease(network: string, subnet: string, attrs: LeaseAttrs, ttlMs: number) {
    this.#check();
    if (!this.#net(network).has(subnet)) return false;
    this.#net(network).set(subnet, { subnet, attrs, expiresAt: Date.now() + ttlMs });
    return true;
  }
  async deleteLease(network: string, subnet: string) {
    this.#check();
    const l = this.#net(network).get(subnet);
    if (!l) return;
    this.#net(network).delete(subnet);
    this.#emit(network, { type: 'removed', lease: l });
  }
  async watchLeases(network: string, _from: number, h: WatchHandlers): Promise<Watch> {
    this.#check();
    const w = { network, h };
    this.watchers.push(w);
    return { cancel: async () => { this.watchers = this.watchers.filter((x) => x !== w); } };
  }
  async close() {}
  /** Adds a lease as another node would, notifying watches. */
  put(network: string, lease: Lease): void {
    this.#net(network).set(lease.subnet, lease);
    this.#emit(network, { type: 'added', lease });
  }
  #emit(network: string, e: { type: 'added' | 'removed'; lease: Lease }): void {
    this.revision++;
    for (const w of this.watchers) if (w.network === network) w.h.onEvents([e], this.revision);
  }
}

/** Leases 10.244.<n>.0/24 in order, reusing ours by PublicIP (what acquireLease does, minus randomness). */
export const fakeAcquire: AcquireLease = async (store, network, attrs, opts) => {
  const { leases } = await store.listLeases(network);
  const ours = leases.find((l) => l.attrs.PublicIP === attrs.PublicIP);
  if (ours) {
    await store.renewLease(network, ours.subnet, attrs, opts.ttlMs);
    return { ...ours, attrs };
  }
  for (let n = 1; ; n++) {
    const subnet = `10.244.${n}.0/24`;
    if (await store.createLease(network, subnet, attrs, opts.ttlMs)) return { subnet, attrs, expiresAt: Date.now() + opts.ttlMs };
  }
};

/** Records what the daemon asks of the kernel. */
export class FakeDatapath implements Datapath {
  /** Each device, with the subnets whose VTEP addresses it was given (IPv4 first). */
  devices = new Map<string, DeviceInfo & { subnet: string; subnets: readonly string[] }>();
  programmed = new Map<string, Lease[]>();
  reconciles = 0;
  ensures = 0;
  /** When set, every reconcile fails with it (after counting). */
  failWith: Error | undefined;
  #nextIndex = 7;
  async deviceMac(name: string) { return this.devices.get(name)?.mac; }
  async ensureDevice(spec: { name: string; mtu: number; mac: string }, subnets: readonly string[]) {
    this.ensures++;
    // A device that exists keeps its index; a created one gets a new index, as the kernel gives.
    const index = this.devices.get(spec.name)?.index ?? this.#nextIndex++;
    const d = { name: spec.name, index, mtu: spec.mtu, mac: spec.mac, subnet: subnets[0]!, subnets: [...subnets] };
    this.devices.set(spec.name, d);
    return d;
  }
  async reconcile(dev: DeviceInfo, others: readonly Lease[]): Promise<ReconcileResult> {
    this.reconciles++;
    if (this.failWith) throw this.failWith;
    // What the real reconcilePeers does first: the device must still be there under its index.
    if (this.devices.get(dev.name)?.index !== dev.index) throw new DeviceGoneError(dev.index, dev.name, 'no link has its index');
    this.programmed.set(dev.name, [...others]);
    return { added: others.length, removed: 0, kept: 0, failed: [], skipped: [] };
  }
  async peers(dev: DeviceInfo) {
    const ps = this.programmed.get(dev.name) ?? [];
    return {
      neighs: ps.map((l) => ({ family: 2, index: dev.index, state: 0x80, flags: 0, type: 1, ip: l.subnet.split('/')[0], mac: l.attrs.BackendData.VtepMAC })),
      fdb: ps.map((l) => ({ family: 7, index: dev.index, state: 0x80, flags: 2, type: 1, mac: l.attrs.BackendData.VtepMAC, dst: l.attrs.PublicIP })),
      routes: [],
    } as never;
  }
  async deleteDevice(name: string) { this.devices.delete(name); }
}
