import { isLinkNotFound, linkByName, type NetlinkHandle } from '../../lib/netlink';
import {
  deleteVxlan, dropVtepAddresses6, ensureVtepAddress, ensureVxlan, readPeerState, reconcilePeers, type PeerState, type ReconcileResult,
  type VxlanDeviceSpec, type Lease,
} from '../../lib/overlay';

/** The device as berthd reports it. */
export interface DeviceInfo {
  readonly name: string;
  readonly index: number;
  readonly mtu: number;
  readonly mac: string;
}

/**
 * What the daemon asks of the kernel, behind one seam so unit tests run the daemon against a fake.
 * Every call of the real one goes through one queue: a NetlinkHandle takes one request at a time, and
 * several networks and the API share it.
 */
export interface Datapath {
  /** The MAC of an existing device of that name (adopted when no MAC was persisted). */
  deviceMac(name: string): Promise<string | undefined>;
  /**
   * ensureVxlan + the VTEP address of each subnet (the /32 of the IPv4 one, the /128 of the IPv6 one;
   * without an IPv6 subnet the device keeps no IPv6 address but its link-local one).
   */
  ensureDevice(spec: VxlanDeviceSpec, subnets: readonly string[]): Promise<DeviceInfo>;
  reconcile(dev: DeviceInfo, others: readonly Lease[]): Promise<ReconcileResult>;
  peers(dev: DeviceInfo): Promise<PeerState>;
  deleteDevice(name: string): Promise<void>;
}

/** The kernel datapath over one netlink handle. */
export function netlinkDatapath(h: NetlinkHandle): Datapath {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    deviceMac: (name) => serial(async () => {
      try {
        return (await linkByName(h, name)).hardwareAddr;
      } catch (err) {
        if (isLinkNotFound(err)) return undefined;
        throw err;
      }
    }),
    ensureDevice: (spec, subnets) => serial(async () => {
      const link = await ensureVxlan(h, spec);
      for (const subnet of subnets) await ensureVtepAddress(h, link.index, subnet);
      if (!subnets.some((s) => s.includes(':'))) await dropVtepAddresses6(h, link.index);
      return { name: link.name, index: link.index, mtu: link.mtu, mac: link.hardwareAddr ?? spec.mac };
    }),
    reconcile: (dev, others) => serial(() => reconcilePeers(h, dev, others)),
    peers: (dev) => serial(() => readPeerState(h, dev.index)),
    deleteDevice: (name) => serial(async () => { await deleteVxlan(h, name); }),
  };
}
