import { CniCode, CniError, type CmdArgs } from '../cni';
import { NetlinkHandle } from '../netlink';
import { openNetns, shortPath, type Netns } from '../netns';

/** The namespaces and handles one ADD or CHECK of an attaching plugin works with. */
export interface Sandbox {
  /** The container netns (CNI_NETNS) and a handle opened in it. */
  readonly ns: Netns;
  readonly ctr: NetlinkHandle;
  /** A handle in the plugin's own (host) netns. */
  readonly host: NetlinkHandle;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Opens CNI_NETNS and a netlink handle in it and in the host; the caller closes all three.
 * @throws {CniError} 4 when CNI_NETNS cannot be opened (the message names it)
 */
export function openSandbox(args: Pick<CmdArgs, 'netns' | 'env'>): Sandbox {
  const ns = openCniNetns(args.netns);
  let ctr: NetlinkHandle | undefined;
  try {
    ctr = NetlinkHandle.open(ns);
    return { ns, ctr, host: NetlinkHandle.open(), env: args.env };
  } catch (err) {
    ctr?.close();
    ns.close();
    throw err;
  }
}

/**
 * Opens CNI_NETNS for ADD or CHECK.
 * @throws {CniError} 4 naming CNI_NETNS and the reason (missing, not a network namespace, ...)
 */
export function openCniNetns(netns: string): Netns {
  try {
    return openNetns(netns);
  } catch (err) {
    throw new CniError(CniCode.InvalidEnvironmentVariables, `failed to open netns ${shortPath(netns)} (CNI_NETNS): ${(err as Error).message}`, { cause: err });
  }
}
