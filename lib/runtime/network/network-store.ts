/**
 * berth's networks on disk: `<root>/networks/<name>.json`, one file per network, the built-ins
 * included (so their ids and creation times never change). A file is written whole to a temp name,
 * fsynced, and hard-linked into place (lib/sys/durable-file, exclusive): link(2) fails if the name
 * exists, so two `berth network create` of one name can never both win, and a crash leaves either no
 * network or a complete one. Creation also holds an flock on `<root>/networks/.lock`, so that two
 * creates cannot both take one subnet.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NetworkConfigList } from '../../cni/runtime';
import { LockTimeoutError, withFileLockSync, makeDirs, writeFileDurableSync } from '../../sys';
import { CNI_NAME as NETWORK_NAME, DEFAULT_CNI_DIR, DEFAULT_RUN_DIR, NAME_CHARS, berthdSocketPath } from '../../paths';
import { postOverlayNetwork, type BerthdClientOptions } from './berthd-client';
import { networkConfList, type ConfListOptions } from './network-conflist';
import { checkOptions } from './network-options';
import { overlayRecord, overlayRequest, storedCluster } from './overlay-network';
import { assertNoOverlap, checkGateway, checkIpRange, firstHost, parseSubnet, pickSubnet, type Subnet } from './subnets';
import { rfc3339Nano } from './timestamp';
import { NetworkError, OPT_BRIDGE_NAME, OPT_MTU, type CreateNetworkRequest, type NetworkInfo, type NetworkStoreOptions } from './types';

/** Keeps `<net>-<64 hex id>-<ifname>` (libcni's cache file) under NAME_MAX. */
const MAX_NAME_LENGTH = 128;
const BUILTIN_NAMES = ['bridge', 'host', 'none'] as const;
const ID = /^[0-9a-f]{64}$/;

/** The default bridge of a fresh install (Docker's is docker0 on 172.17.0.0/16). */
export const DEFAULT_BRIDGE = { bridgeName: 'berth0', subnet: '10.87.0.0/16' };

/** berth's networks (Docker's `network ls/inspect/create/rm`). */
export class NetworkStore {
  /** `<root>/networks`. */
  readonly dir: string;
  /** libcni's directory; host-local leases under `<cniDir>/networks/<name>`. */
  readonly cniDir: string;
  /** BERTH_RUN: berthd's socket and lease files are under it. */
  readonly runDir: string;
  private readonly defaultBridge: { bridgeName: string; subnet: string };
  private readonly now: () => Date;
  private readonly lockTimeoutMs: number;

  constructor(opts: NetworkStoreOptions) {
    this.dir = path.join(opts.root, 'networks');
    this.cniDir = opts.cniDir ?? DEFAULT_CNI_DIR;
    this.runDir = opts.runDir ?? DEFAULT_RUN_DIR;
    this.defaultBridge = opts.defaultBridge ?? DEFAULT_BRIDGE;
    this.now = opts.now ?? (() => new Date());
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 30_000;
  }

  /** bridge, host and none, then user networks by name. */
  list(): NetworkInfo[] {
    const builtins = this.ensureBuiltins();
    const users: NetworkInfo[] = [];
    for (const file of this.files()) {
      const name = file.slice(0, -'.json'.length);
      if ((BUILTIN_NAMES as readonly string[]).includes(name)) continue;
      const net = this.read(name);
      if (net) users.push(net);
    }
    return [...builtins, ...users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))];
  }

  /**
   * A network by name, full id or unique id prefix (Docker's order: id, name, prefix).
   * @throws {NetworkError} `network x not found`, or an ambiguous prefix
   */
  get(nameOrId: string): NetworkInfo {
    const all = this.list();
    const exact = all.find((n) => n.id === nameOrId) ?? all.find((n) => n.name === nameOrId);
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(nameOrId)) {
      const matches = all.filter((n) => n.id.startsWith(nameOrId));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) {
        throw new NetworkError(`network ${nameOrId} is ambiguous (${matches.length} matches found based on ID prefix)`, 'conflict');
      }
    }
    throw new NetworkError(`network ${nameOrId} not found`, 'not-found');
  }

  /**
   * Creates a user network (Docker's `network create`), subnet picked when not given.
   * @throws {NetworkError} with Docker's message for a bad name, a taken name, an overlapping
   *   subnet, a gateway or ip-range outside it, an unknown driver, a bad option
   */
  create(req: CreateNetworkRequest): NetworkInfo {
    checkName(req.name);
    const driver = req.driver ?? 'bridge';
    if ((driver as string) === 'host' || (driver as string) === 'null') {
      throw new NetworkError(`only one instance of "${driver}" network is allowed`, 'forbidden');
    }
    if (driver === 'overlay') throw new NetworkError('overlay networks are made through berthd: use createOverlay', 'invalid');
    if (driver !== 'bridge' && driver !== 'macvlan') throw new NetworkError(`plugin "${driver as string}" not found`, 'not-found');
    if (req.subnet === undefined && (req.gateway !== undefined || req.ipRange !== undefined)) {
      throw new NetworkError('every ip-range or gateway must have a corresponding subnet', 'invalid');
    }
    return this.locked(() => {
      const existing = this.list();
      if (existing.some((n) => n.name === req.name)) throw new NetworkError(`network with name ${req.name} already exists`, 'conflict');
      this.assertAllReadable();
      const used = usedSubnets(existing);
      const subnet = req.subnet === undefined ? pickSubnet(used) : parseSubnet(req.subnet);
      assertNoOverlap(subnet, used);
      const net: NetworkInfo = {
        name: req.name,
        id: randomBytes(32).toString('hex'),
        driver,
        scope: 'local',
        created: rfc3339Nano(this.now()),
        internal: req.internal ?? false,
        subnet: subnet.text,
        ...addresses(driver, subnet, req),
        options: { ...req.options },
        labels: { ...req.labels },
        builtin: false,
      };
      checkOptions(net, existing);
      if (!this.publish(net)) throw new NetworkError(`network with name ${req.name} already exists`, 'conflict');
      return net;
    });
  }

  /**
   * Creates an overlay network (`network create -d overlay`): berthd stores its config in the
   * cluster store, or answers with the one another host stored first, then it is recorded here with
   * that cluster CIDR as its subnet. Without --subnet, a /16 from berth's pool that overlaps no local
   * network is proposed (an existing network keeps its own).
   * @throws {NetworkError} as create does; `unavailable` when berthd is not running; berthd's refusal
   */
  async createOverlay(req: CreateNetworkRequest, opts: BerthdClientOptions = {}): Promise<NetworkInfo> {
    checkName(req.name);
    const before = this.list();
    if (before.some((n) => n.name === req.name)) throw new NetworkError(`network with name ${req.name} already exists`, 'conflict');
    this.assertAllReadable();
    const usedBefore = usedSubnets(before);
    const asked = req.subnet === undefined ? pickSubnet(usedBefore) : parseSubnet(req.subnet);
    assertNoOverlap(asked, usedBefore);
    const config = await postOverlayNetwork(berthdSocketPath(this.runDir), overlayRequest(req, asked), opts);
    const cluster = storedCluster(config, req.subnet, req.name);
    return this.locked(() => {
      const existing = this.list();
      if (existing.some((n) => n.name === req.name)) throw new NetworkError(`network with name ${req.name} already exists`, 'conflict');
      this.assertAllReadable();
      assertNoOverlap(cluster, usedSubnets(existing));
      const net: NetworkInfo = {
        name: req.name,
        id: randomBytes(32).toString('hex'),
        driver: 'overlay',
        scope: 'global',
        created: rfc3339Nano(this.now()),
        internal: false,
        subnet: cluster.text,
        ...overlayRecord(config, this.runDir, req.options),
        labels: { ...req.labels },
        builtin: false,
      };
      if (!this.publish(net)) throw new NetworkError(`network with name ${req.name} already exists`, 'conflict');
      return net;
    });
  }

  /**
   * Removes a user network and its host-local state (it has no endpoints, so no leases are left).
   * The bridge link, if one was made, is the caller's to delete (`bridgeNameOf`).
   * @throws {NetworkError} for a built-in (`bridge is a pre-defined network and cannot be removed`), a
   *   network in use (`error while removing network: network x id y has active endpoints`), or not found
   */
  remove(name: string, inUse: (networkName: string) => readonly string[]): void {
    const net = this.get(name);
    if (net.builtin) throw new NetworkError(`${net.name} is a pre-defined network and cannot be removed`, 'forbidden');
    if (inUse(net.name).length > 0) {
      throw new NetworkError(`error while removing network: network ${net.name} id ${net.id} has active endpoints`, 'in-use');
    }
    fs.rmSync(this.file(net.name), { force: true });
    fs.rmSync(path.join(this.cniDir, 'networks', net.name), { recursive: true, force: true });
  }

  /** The CNI configuration list of a bridge, macvlan or overlay network (see networkConfList). */
  conflist(net: NetworkInfo, opts: ConfListOptions = {}): NetworkConfigList {
    return networkConfList(net, this.cniDir, opts);
  }

  /** The built-ins, written on first use; the default bridge's settings follow the options. */
  private ensureBuiltins(): NetworkInfo[] {
    return BUILTIN_NAMES.map((name) => {
      const wanted = this.builtin(name);
      let stored = this.read(name);
      if (!stored) {
        this.publish(wanted);
        stored = this.read(name) ?? wanted;
      }
      return { ...wanted, id: stored.id, created: stored.created };
    });
  }

  private builtin(name: (typeof BUILTIN_NAMES)[number]): NetworkInfo {
    const base = { name, id: randomBytes(32).toString('hex'), scope: 'local' as const, created: rfc3339Nano(this.now()), internal: false, labels: {}, builtin: true };
    if (name === 'host') return { ...base, driver: 'host', options: {} };
    if (name === 'none') return { ...base, driver: 'null', options: {} };
    const subnet = parseSubnet(this.defaultBridge.subnet);
    return {
      ...base,
      driver: 'bridge',
      subnet: subnet.text,
      gateway: firstHost(subnet),
      // Docker's default bridge options, with berth's bridge in place of docker0.
      options: {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        [OPT_BRIDGE_NAME]: this.defaultBridge.bridgeName,
        [OPT_MTU]: '1500',
      },
    };
  }

  /**
   * Writes `net` under its name unless the name is taken; false when it was. The temp file of a
   * publish killed before its link is never swept: it is small, and listings skip it (it does not
   * end in `.json`); the built-ins are published without the lock, so no sweep could be safe.
   */
  private publish(net: NetworkInfo): boolean {
    makeDirs(this.dir, 0o700);
    try {
      writeFileDurableSync(this.file(net.name), `${JSON.stringify(net, null, 2)}\n`, { exclusive: true });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  private read(name: string): NetworkInfo | undefined {
    const got = this.readOrWhy(name);
    return typeof got === 'string' ? undefined : got; // `network ls` must not fail for one stray file
  }

  /** The network stored under `name`, undefined when there is none, or why its file is unusable. */
  private readOrWhy(name: string): NetworkInfo | undefined | string {
    let text: string;
    try {
      text = fs.readFileSync(this.file(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return (err as Error).message;
    }
    try {
      const net = JSON.parse(text) as NetworkInfo;
      if (typeof net !== 'object' || net === null || net.name !== name || !ID.test(net.id)) return 'not a network record of that name';
      if (net.subnet !== undefined && parseSubnetOrUndefined(net.subnet) === undefined) return `subnet ${JSON.stringify(net.subnet)} is not a subnet`;
      return net;
    } catch (err) {
      return `not JSON: ${(err as Error).message}`;
    }
  }

  /**
   * Refuses to decide a subnet while some network's file cannot be read: its subnet is unknown, so
   * any choice could be that network's (the listing skips the file, which would make its subnet look
   * free). Listing stays lenient; only a decision fails closed.
   * @throws {NetworkError} unavailable naming the file and what is wrong with it
   */
  private assertAllReadable(): void {
    for (const file of this.files()) {
      const why = this.readOrWhy(file.slice(0, -'.json'.length));
      if (typeof why === 'string') {
        throw new NetworkError(`cannot choose a subnet while ${this.file(file.slice(0, -'.json'.length))} is unreadable (${why}): its subnet may be in use; repair or remove the file`, 'unavailable');
      }
    }
  }

  private files(): string[] {
    try {
      return fs.readdirSync(this.dir).filter((f) => f.endsWith('.json') && NETWORK_NAME.test(f.slice(0, -5)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private file(name: string): string {
    return path.join(this.dir, `${name}.json`);
  }

  /**
   * Runs `fn` holding the store's lock (creation decides subnets from what exists). A bounded poll,
   * never a blocking flock(2): a holder that hangs (a stopped `berth network create`) must not hang
   * every later one. Synchronous, as `create` is: only the CLI calls it, and nothing else runs there.
   * @throws {NetworkError} unavailable when the lock is still held after the timeout
   */
  private locked<T>(fn: () => T): T {
    makeDirs(this.dir, 0o700);
    const lock = path.join(this.dir, '.lock');
    try {
      return withFileLockSync(lock, { timeoutMs: this.lockTimeoutMs, maxDelayMs: 16 }, fn);
    } catch (err) {
      if (err instanceof LockTimeoutError) throw new NetworkError(`the network store ${lock} is still locked by another process after ${err.timeoutMs} ms`, 'unavailable');
      throw err;
    }
  }
}

/**
 * Docker's name rule; `/`, NUL and `..` can never pass it, so a name is always a safe file name.
 * @throws {NetworkError}
 */
function checkName(name: string): void {
  if (!NETWORK_NAME.test(name)) throw new NetworkError(`invalid network name ${JSON.stringify(name)}: only ${NAME_CHARS} are allowed`, 'invalid');
  if (name.length > MAX_NAME_LENGTH) throw new NetworkError(`invalid network name ${JSON.stringify(name)}: at most ${MAX_NAME_LENGTH} characters`, 'invalid');
}

/** The subnets networks hold (an overlay network's is its cluster CIDR). */
function usedSubnets(nets: readonly NetworkInfo[]): Subnet[] {
  return nets.filter((n) => n.subnet !== undefined).map((n) => parseSubnet(n.subnet!));
}

/** Gateway (bridge: the first host by default; macvlan: only an explicit one) and ip-range. */
function addresses(driver: 'bridge' | 'macvlan', subnet: Subnet, req: CreateNetworkRequest): Pick<NetworkInfo, 'gateway' | 'ipRange'> {
  const out: Pick<NetworkInfo, 'gateway' | 'ipRange'> = {};
  if (req.gateway !== undefined) out.gateway = checkGateway(subnet, req.gateway);
  else if (driver === 'bridge') out.gateway = firstHost(subnet);
  if (req.ipRange !== undefined) out.ipRange = checkIpRange(subnet, req.ipRange).text;
  return out;
}

/** A stored subnet as parseSubnet reads it, or undefined when it is not one. */
function parseSubnetOrUndefined(text: unknown): Subnet | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return parseSubnet(text);
  } catch {
    return undefined;
  }
}
