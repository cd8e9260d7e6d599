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
  /** A dual-stack network's IPv6 cluster CIDR. */
  readonly ipv6Network?: string;
  /** This node's IPv6 subnet, once leased. */
  readonly ipv6Subnet?: string;
  readonly vni?: number;
  readonly device?: string;
  readonly mtu?: number;
  readonly vtepMAC?: string;
  readonly leaseExpiresAt?: number;
  readonly peers: number;
  readonly lastReconcile?: ReconcileStats;
}

/**
 * Serves one overlay network on this node: waits for its config, leases a subnet (and on a dual-stack
 * network an IPv6 subnet too, a second lease with its own keeper), ensures the VXLAN device, writes the
 * lease file, then keeps the leases ({@link LeaseKeeper}) and the peers ({@link PeerSync}). One VXLAN
 * device carries both families: the inner IPv6 packets ride the same IPv4 underlay. Store failures are retried forever and never touch the datapath: what is
 * programmed stays until the store says otherwise.
 */
export class NetworkAgent {
  readonly name: string;
  readonly #deps: AgentDeps;
  readonly #log: Logger;
  readonly #timers: AgentTimers;
  readonly #peers: PeerSync;
  #keeper: LeaseKeeper | undefined;
  /** The IPv6 lease's keeper, on a dual-stack network. */
  #keeper6: LeaseKeeper | undefined;
  #state: NetworkStatus['state'] = 'waiting-config';
  #error: string | undefined;
  #config: OverlayConfig | undefined;
  #attrs: LeaseAttrs | undefined;
  #device: DeviceInfo | undefined;
  #run: Promise<void> | undefined;
  /** The last lease-file write (they run one after another). */
  #writing: Promise<void> = Promise.resolve();

  constructor(name: string, deps: AgentDeps) {
    this.name = name;
    this.#deps = deps;
    this.#log = deps.log.child({ network: name });
    this.#timers = new AgentTimers(this.#log);
    this.#peers = new PeerSync(name, deps, this.#timers, this.#log, {
      device: () => this.#device,
      ours: () => this.#ownSubnets(),
      recreateDevice: () => this.#ensureDevice(),
      removed: (subnet) => {
        if (this.#state !== 'serving') return;
        this.#keeper?.removed(subnet);
        this.#keeper6?.removed(subnet);
      },
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
   * The node leaves the network: stop, then delete the leases, the device and the lease file. The leases
   * deleted are the last ones the agent held, one taken by a renewal in flight at stop() included.
   */
  async leave(): Promise<void> {
    await this.stop();
    const lease = this.#keeper?.lease;
    if (lease) await this.#deps.store.deleteLease(this.name, lease.subnet);
    const lease6 = this.#keeper6?.lease;
    if (lease6) await this.#deps.store.deleteLease(this.name, lease6.subnet);
    const vni = this.#config?.Backend.VNI;
    if (vni !== undefined) await this.#deps.datapath.deleteDevice(vxlanDeviceName(vni));
    await removeLeaseFile(this.#deps.runDir, this.name);
    this.#log.info({ subnet: lease?.subnet, ipv6Subnet: lease6?.subnet }, 'left the network');
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
    const lease6 = this.#keeper6?.lease;
    const expiries = [lease?.expiresAt, lease6?.expiresAt].filter((e): e is number => e !== undefined);
    return {
      name: this.name, state: this.#state, network: this.#config?.Network, subnet: lease?.subnet,
      ...(this.#config?.IPv6Network !== undefined ? { ipv6Network: this.#config.IPv6Network } : {}),
      ...(lease6 !== undefined ? { ipv6Subnet: lease6.subnet } : {}),
      vni: this.#config?.Backend.VNI, device: this.#device?.name, mtu: this.#device?.mtu, vtepMAC: this.#attrs?.BackendData.VtepMAC,
      leaseExpiresAt: expiries.length > 0 ? Math.min(...expiries) : undefined, peers: this.#peers.peers, lastReconcile: this.#peers.lastReconcile,
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
    const hooks = {
      subnetChanged: async () => { await this.#ensureDevice(); },
      renewed: () => this.#writeLeaseFile(),
    };
    const keeper = new LeaseKeeper(this.name, deps, this.#timers, this.#log, attrs, hooks);
    this.#keeper = keeper;
    const previous = this.#previousSubnets();
    const lease = await keeper.acquire(previous.subnet);
    if (!lease) return;
    this.#log.info({ subnet: lease.subnet, vtepMAC: mac }, 'lease acquired');
    // The IPv6 lease second, with the same attrs: the IPv4 one is ours meanwhile (a crash between the
    // two leaves it to be reused by PublicIP on restart, or to expire).
    if (config.IPv6Network !== undefined) {
      const keeper6 = new LeaseKeeper(this.name, deps, this.#timers, this.#log, attrs, hooks, 6);
      this.#keeper6 = keeper6;
      const lease6 = await keeper6.acquire(previous.ipv6Subnet);
      if (!lease6) return;
      this.#log.info({ ipv6Subnet: lease6.subnet, vtepMAC: mac }, 'IPv6 lease acquired');
    }
    if (this.#timers.stopped || !(await this.#ensureDevice()) || this.#timers.stopped) return;
    await this.#writeLeaseFile();
    if (this.#timers.stopped) return;
    this.#state = 'serving';
    keeper.start();
    this.#keeper6?.start();
    await this.#peers.start();
  }

  /** Our subnets (never peers): the IPv4 one, and the IPv6 one of a dual-stack network. */
  #ownSubnets(): string[] {
    return [this.#keeper?.lease?.subnet, this.#keeper6?.lease?.subnet].filter((s): s is string => s !== undefined);
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
    }, this.#ownSubnets()));
    if (dev) this.#device = dev;
    return dev !== undefined;
  }

  /**
   * Writes the lease file, one write at a time: the two keepers of a dual-stack network renew on the
   * same rhythm, and writeLeaseFile sweeps the temp files beside the file as a killed writer's, so two
   * writes at once would remove each other's. Each write takes both leases as they are when it runs.
   */
  #writeLeaseFile(): Promise<void> {
    const run = this.#writing.then(async () => {
      if (this.#timers.stopped) return; // leave() may be removing it
      await writeLeaseFile(this.#deps.runDir, nodeLeaseFile(this.name, this.#config!, this.#keeper!.lease!, this.#device!.mtu, this.#keeper6?.lease))
        .catch((err: unknown) => this.#log.error({ err }, 'cannot write the lease file'));
    });
    this.#writing = run;
    return run;
  }

  /** The subnets of the lease file a previous run left, to ask for again. */
  #previousSubnets(): { subnet?: string; ipv6Subnet?: string } {
    const file = leaseFilePath(this.#deps.runDir, this.name);
    try {
      const old = readLeaseFile(file, this.name);
      return { subnet: old?.subnet, ipv6Subnet: old?.ipv6Subnet };
    } catch (err) {
      // Only a hint: a damaged file must never hold up leasing.
      this.#log.warn({ err: `lease file ${file}: ${(err as Error).message}` }, 'ignoring the previous lease file');
      return {};
    }
  }

  #retry<T>(what: string, fn: () => Promise<T>, health?: StoreHealth): Promise<T | undefined> {
    return retryUntilStopped(this.#timers, this.#log, what, fn, health);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
