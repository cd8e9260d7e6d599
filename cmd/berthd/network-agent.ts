import type { Logger } from '../../lib/log';
import {
  ensureVtepMac, leaseFilePath, readLeaseFile, removeLeaseFile, validateConfig, vxlanDeviceName, writeLeaseFile,
  type Lease, type LeaseAttrs, type OverlayConfig,
} from '../../lib/overlay';
import { AgentTimers } from './agent-timers';
import type { DeviceInfo } from './datapath';
import type { AgentDeps, StoreHealth } from './deps';
import { nodeLeaseFile } from './lease-file';
import { LeaseKeeper } from './lease-keeper';
import { PeerSync, type ReconcileStats } from './peer-sync';
import { NotYet, retryUntilStopped } from './retry';

/** VXLAN over IPv4: outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
export const VXLAN_OVERHEAD = 50;

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
  readonly lastReconcile?: ReconcileStats;
}

/**
 * Serves one overlay network on this node: waits for its config, leases a subnet, ensures the VXLAN
 * device, writes the lease file, then keeps the lease ({@link LeaseKeeper}) and the peers
 * ({@link PeerSync}). Store failures are retried forever and never touch the datapath: what is
 * programmed stays until the store says otherwise.
 */
export class NetworkAgent {
  readonly name: string;
  readonly #deps: AgentDeps;
  readonly #log: Logger;
  readonly #timers: AgentTimers;
  readonly #peers: PeerSync;
  #keeper: LeaseKeeper | undefined;
  #state: NetworkStatus['state'] = 'waiting-config';
  #error: string | undefined;
  #config: OverlayConfig | undefined;
  #attrs: LeaseAttrs | undefined;
  #device: DeviceInfo | undefined;
  #run: Promise<void> | undefined;

  constructor(name: string, deps: AgentDeps) {
    this.name = name;
    this.#deps = deps;
    this.#log = deps.log.child({ network: name });
    this.#timers = new AgentTimers(this.#log);
    this.#peers = new PeerSync(name, deps, this.#timers, this.#log, {
      device: () => this.#device,
      ours: () => this.#keeper?.lease?.subnet,
      recreateDevice: () => this.#ensureDevice(),
      removed: (subnet) => { if (this.#state === 'serving') this.#keeper?.removed(subnet); },
    });
  }

  /** Starts serving in the background; resolves at once. */
  start(): void {
    this.#run ??= this.#main().catch((err: unknown) => {
      if (!this.#timers.stopped) this.#log.error({ err }, 'network agent failed');
    });
  }

  /** Resolves once the network is served (device up, lease file written), or the agent stopped. */
  async ready(): Promise<void> {
    while (!this.#timers.stopped && this.#state !== 'serving') await sleep(50);
  }

  /**
   * Graceful stop: timers and watch end; the device, its entries, the lease and the lease file stay.
   * Resolves once the work in flight (start-up, a renewal, a reconcile) has finished, so that none of
   * it writes the lease file or takes a lease after stop() returned.
   */
  async stop(): Promise<void> {
    this.#timers.stop();
    this.#state = 'stopped';
    await this.#peers.stopWatch();
    await this.#run;
    await this.#timers.settled();
    await this.#peers.idle();
  }

  /**
   * The node leaves the network: stop, then delete the lease, the device and the lease file. The lease
   * deleted is the last one the agent held, one taken by a renewal in flight at stop() included.
   */
  async leave(): Promise<void> {
    await this.stop();
    const lease = this.#keeper?.lease;
    if (lease) await this.#deps.store.deleteLease(this.name, lease.subnet);
    const vni = this.#config?.Backend.VNI;
    if (vni !== undefined) await this.#deps.datapath.deleteDevice(vxlanDeviceName(vni));
    await removeLeaseFile(this.#deps.runDir, this.name);
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
    return this.#peers.leases();
  }

  status(): NetworkStatus {
    const lease = this.#keeper?.lease;
    return {
      name: this.name, state: this.#state, network: this.#config?.Network, subnet: lease?.subnet,
      vni: this.#config?.Backend.VNI, device: this.#device?.name, mtu: this.#device?.mtu, vtepMAC: this.#attrs?.BackendData.VtepMAC,
      leaseExpiresAt: lease?.expiresAt, peers: this.#peers.peers, lastReconcile: this.#peers.lastReconcile,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
    };
  }

  async #main(): Promise<void> {
    const deps = this.#deps;
    const config = await this.#retry('read the network config', () => this.#claimConfig(), deps.storeHealth);
    if (!config) return;
    this.#error = undefined;
    this.#state = 'leasing';
    const devName = vxlanDeviceName(config.Backend.VNI);
    const mac = await this.#retry('load the VTEP MAC', async () => ensureVtepMac(deps.stateDir, this.name, await deps.datapath.deviceMac(devName)));
    if (!mac) return;
    const attrs: LeaseAttrs = { PublicIP: deps.underlay.publicIP, BackendType: 'vxlan', BackendData: { VNI: config.Backend.VNI, VtepMAC: mac } };
    this.#attrs = attrs;
    const keeper = new LeaseKeeper(this.name, deps, this.#timers, this.#log, attrs, {
      subnetChanged: async () => { await this.#ensureDevice(); },
      renewed: () => this.#writeLeaseFile(),
    });
    this.#keeper = keeper;
    const lease = await keeper.acquire(this.#previousSubnet());
    if (!lease) return;
    this.#log.info({ subnet: lease.subnet, vtepMAC: mac }, 'lease acquired');
    if (this.#timers.stopped || !(await this.#ensureDevice()) || this.#timers.stopped) return;
    await this.#writeLeaseFile();
    if (this.#timers.stopped) return;
    this.#state = 'serving';
    keeper.start();
    await this.#peers.start();
  }

  /** The stored config, valid and with a VNI no other served network holds, claimed for this one. */
  async #claimConfig(): Promise<OverlayConfig> {
    const c = await this.#deps.store.getConfig(this.name);
    if (!c) throw new NotYet('no config in the store yet');
    let valid: OverlayConfig;
    try {
      valid = validateConfig(c);
    } catch (err) {
      throw new NotYet(`the stored config is invalid: ${(err as Error).message}`);
    }
    // Checked and claimed in one synchronous step, so two agents never both pass with one VNI.
    const holder = this.#deps.vniHolder?.(valid.Backend.VNI, this.name);
    if (holder !== undefined) {
      this.#state = 'conflict';
      this.#error = `vni ${valid.Backend.VNI} is network ${JSON.stringify(holder)}'s, served here already`;
      throw new NotYet(this.#error);
    }
    this.#config = valid;
    return valid;
  }

  async #ensureDevice(): Promise<boolean> {
    const config = this.#config!;
    const { datapath, underlay } = this.#deps;
    const dev = await this.#retry('ensure the VXLAN device', () => datapath.ensureDevice({
      name: vxlanDeviceName(config.Backend.VNI), vni: config.Backend.VNI, port: config.Backend.Port,
      local: underlay.publicIP, underlayIndex: underlay.index, mtu: underlay.mtu - VXLAN_OVERHEAD,
      mac: this.#attrs!.BackendData.VtepMAC,
    }, this.#keeper!.lease!.subnet));
    if (dev) this.#device = dev;
    return dev !== undefined;
  }

  async #writeLeaseFile(): Promise<void> {
    if (this.#timers.stopped) return; // leave() may be removing it
    await writeLeaseFile(this.#deps.runDir, nodeLeaseFile(this.name, this.#config!, this.#keeper!.lease!, this.#device!.mtu))
      .catch((err: unknown) => this.#log.error({ err }, 'cannot write the lease file'));
  }

  /** The subnet of the lease file a previous run left, to ask for again. */
  #previousSubnet(): string | undefined {
    const file = leaseFilePath(this.#deps.runDir, this.name);
    try {
      return readLeaseFile(file, this.name)?.subnet;
    } catch (err) {
      // Only a hint: a damaged file must never hold up leasing.
      this.#log.warn({ err: `lease file ${file}: ${(err as Error).message}` }, 'ignoring the previous lease file');
      return undefined;
    }
  }

  #retry<T>(what: string, fn: () => Promise<T>, health?: StoreHealth): Promise<T | undefined> {
    return retryUntilStopped(this.#timers, this.#log, what, fn, health);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
