import fs from 'node:fs';

/** Where the kernel shows the calling process's network namespace. */
export const SELF_NETNS_PATH = '/proc/self/ns/net';

/**
 * True when `netnsPath` is the network namespace this process runs in (same nsfs device and inode, the
 * identity the kernel gives namespaces). A runtime that passes the host's own netns as CNI_NETNS would
 * have the plugin rename and address the host's interfaces, so ADD and DEL refuse it (code 8).
 * A path that cannot be stat'ed is "not the same", as in the reference: DEL must work when it is gone.
 */
export function isOwnNetns(netnsPath: string, selfPath: string = SELF_NETNS_PATH): boolean {
  try {
    const target = fs.statSync(netnsPath, { bigint: true });
    const self = fs.statSync(selfPath, { bigint: true });
    return target.dev === self.dev && target.ino === self.ino;
  } catch {
    return false;
  }
}
