import type { Lease, OverlayConfig } from '../../lib/overlay';
import type { DaemonDeps } from './deps';
import { NetworkAgent, type NetworkStatus } from './network-agent';
import { checkNetworkName } from './config';
import { ConflictError } from './conflict-error';
import { parseNetworkRequest } from './network-request';

/** `GET /v1/status`. */
export interface DaemonStatus {
  /** null when berthd runs without an underlay (embedded DNS only). */
  readonly node: { readonly publicIP: string; readonly iface: string; readonly mtu: number } | null;
  readonly store: { readonly kind: 'file' | 'etcd'; readonly state: 'ok' | 'unreachable'; readonly error?: string };
  readonly networks: readonly NetworkStatus[];
}

/** One programmed peer, read back from the kernel (`GET /v1/networks/N/peers`). */
export interface PeerEntries {
  readonly device: string;
  readonly neighbours: readonly { readonly ip?: string; readonly mac?: string; readonly state: number }[];
  readonly fdb: readonly { readonly mac?: string; readonly dst?: string; readonly state: number; readonly flags: number }[];
  readonly routes: readonly { readonly dst: string; readonly gw?: string; readonly onlink: boolean }[];
}

/** Raised for an unknown network: the API answers 404. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/**
 * The node daemon: one {@link NetworkAgent} per served network over one store and one datapath, and the
 * operations the API exposes.
 */
export class Daemon {
  readonly #deps: DaemonDeps;
  readonly #agents = new Map<string, NetworkAgent>();
  #storeOk = true;
  #storeError: string | undefined;

  constructor(deps: DaemonDeps) {
    this.#deps = deps;
  }

  /** Starts serving `name` (no-op when it is served already). */
  serve(name: string): NetworkAgent {
    checkNetworkName(name, 'network');
    let agent = this.#agents.get(name);
    if (!agent) {
      const underlay = this.#deps.underlay;
      if (underlay === undefined) throw new ConflictError(`cannot serve overlay network ${JSON.stringify(name)}: this berthd found no underlay at start (no default route); restart it with --iface or --public-ip`);
      agent = new NetworkAgent(name, {
        ...this.#deps,
        underlay,
        vniHolder: (vni, self) => this.#vniHolder(vni, self),
        storeHealth: (ok, err) => {
          if (ok !== this.#storeOk) this.#deps.log[ok ? 'info' : 'warn']({ err: err?.message }, ok ? 'store reachable again' : 'store unreachable');
          this.#storeOk = ok;
          this.#storeError = ok ? undefined : err?.message;
        },
      });
      this.#agents.set(name, agent);
      agent.start();
    }
    return agent;
  }

  status(): DaemonStatus {
    const u = this.#deps.underlay;
    return {
      node: u === undefined ? null : { publicIP: u.publicIP, iface: u.name, mtu: u.mtu },
      store: { kind: this.#deps.storeKind, state: this.#storeOk ? 'ok' : 'unreachable', ...(this.#storeError ? { error: this.#storeError } : {}) },
      networks: [...this.#agents.values()].map((a) => a.status()),
    };
  }

  /** The network's leases as the watch sees them (ours included). */
  leases(name: string): Lease[] {
    return this.#agent(name).leases();
  }

  /** The entries programmed on the network's device, read from the kernel. */
  async peers(name: string): Promise<PeerEntries> {
    const dev = this.#agent(name).device;
    if (!dev) throw new NotFoundError(`network ${name} has no device yet`);
    const s = await this.#deps.datapath.peers(dev);
    return {
      device: dev.name,
      neighbours: s.neighs.map((n) => ({ ip: n.ip, mac: n.mac, state: n.state })),
      fdb: s.fdb.map((n) => ({ mac: n.mac, dst: n.dst, state: n.state, flags: n.flags })),
      routes: s.routes.map((r) => ({ dst: r.dst, gw: r.gw, onlink: r.onlink })),
    };
  }

  /**
   * `POST /v1/networks`: stores the config unless the network has one, then serves it. The default VNI
   * is the lowest that no other network's stored config (nor any network this node serves) uses.
   * @returns the stored config, and whether ours was the one stored
   * @throws {UsageError} a bad request field
   * @throws {ConflictError} the VNI asked for, or the stored config's, is another network's
   */
  async createNetwork(body: unknown): Promise<{ name: string; config: OverlayConfig; created: boolean }> {
    const { name } = parseNetworkRequest(body);
    const holders = new Map<number, string>();
    const unknown: string[] = [];
    for (const [n, c] of await this.#deps.store.listConfigs()) {
      if (n === name) continue;
      const vni = (c as Partial<OverlayConfig> | undefined)?.Backend?.VNI;
      if (typeof vni === 'number') holders.set(vni, n);
      else unknown.push(n);
    }
    for (const a of this.#agents.values()) {
      const vni = a.config?.Backend.VNI;
      if (a.name !== name && vni !== undefined) holders.set(vni, a.name);
    }
    const req = parseNetworkRequest(body, [...holders.keys()]);
    // A config whose VNI cannot be read may hold any VNI: choosing one for the caller could hand out
    // that network's. An explicit vni is the caller's decision (still checked against what is known).
    if (!req.vniGiven && unknown.length > 0) {
      throw new ConflictError(`cannot choose a free vni: the stored config of network ${unknown.map((n) => JSON.stringify(n)).join(', ')} cannot be read; repair it or give a vni`);
    }
    const taken = holders.get(req.config.Backend.VNI);
    if (req.vniGiven && taken !== undefined) throw new ConflictError(`vni ${req.config.Backend.VNI} is already network ${JSON.stringify(taken)}'s`);
    const stored = await this.#deps.store.putConfigIfAbsent(req.name, req.config);
    const created = JSON.stringify(stored) === JSON.stringify(req.config);
    const holder = this.#vniHolder(stored.Backend.VNI, req.name);
    if (holder !== undefined) {
      throw new ConflictError(`network ${JSON.stringify(req.name)} has vni ${stored.Backend.VNI}, which network ${JSON.stringify(holder)} served here already holds`);
    }
    const agent = this.serve(req.name);
    await Promise.race([agent.ready(), new Promise((r) => setTimeout(r, 10_000))]);
    return { name: req.name, config: stored, created };
  }

  /** `POST /v1/networks/N/leave`: the node leaves the network (lease, device and lease file deleted). */
  async leave(name: string): Promise<{ name: string; left: true }> {
    const agent = this.#agent(name);
    await agent.leave();
    this.#agents.delete(name);
    return { name, left: true };
  }

  /** Graceful stop: every agent stops; datapath and leases stay for the next run to adopt. */
  async stop(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((a) => a.stop()));
  }

  /** The network other than `self` this node serves on `vni`, if any. */
  #vniHolder(vni: number, self: string): string | undefined {
    for (const a of this.#agents.values()) if (a.name !== self && a.config?.Backend.VNI === vni) return a.name;
    return undefined;
  }

  #agent(name: string): NetworkAgent {
    const a = this.#agents.get(name);
    if (!a) throw new NotFoundError(`network ${JSON.stringify(name)} is not served by this node`);
    return a;
  }
}
