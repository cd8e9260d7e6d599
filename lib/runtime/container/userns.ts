/**
 * User namespaces for containers (`berth run --userns-uidmap/--userns-gidmap`, `--userns=remap`).
 *
 * The kernel lets only a single-threaded process unshare(CLONE_NEWUSER) or setns() into a user
 * namespace, and every Node process has threads. So small single-threaded util-linux programs do
 * exactly those steps, and Node does the rest. The order, and why:
 *
 * 1. A holder, `unshare --user --net cat`, creates the user namespace U and a netns owned by U (it
 *    echoes a line once it runs). berth names that netns as it names its others and attaches it to
 *    its networks as host root (who has every capability in U). Owned by U, the netns is root's in
 *    the container as it is without a user namespace: raw sockets (ping), sysfs, its own routes.
 * 2. berth (host root) writes U's uid_map and gid_map itself (/proc/<holder>/uid_map: the writer
 *    needs CAP_SETUID over U, which host root has; no newuidmap or /etc/subuid involved).
 * 3. The image's rootfs is bind-mounted idmapped through U (mount_setattr MOUNT_ATTR_IDMAP) at
 *    `<container dir>/lower`, so its root-owned files read as root inside; overlayfs (6.x) takes
 *    an idmapped lower layer even when mounted inside U. The container dir, upper, work and the
 *    /etc files are chowned to the mapped root (Docker's userns-remap does the same), so overlayfs
 *    mounted inside U writes its upper layer with the mapped ids.
 * 4. The first init is spawned through `nsenter -F --net=NETNS --user=/proc/<holder>/ns/user`:
 *    nsenter joins the netns first, still privileged on the host (with --network host or container:
 *    the netns is the host's, and from inside U it could not join that one), then U, then
 *    setgid(0)/setuid(0) there, and execs Node, which so starts as root of U with every capability
 *    in U and none outside.
 * 5. That first init is a relay (init/pid-ns-relay.ts): a PID namespace must be owned by U for root
 *    inside to mount its /proc, so it unshares one (allowed with threads) and spawns the real init as
 *    its PID 1, reports that PID, and relays its exit status (137 after SIGKILL stays 137).
 * 6. Then as without a user namespace: berth puts both into the cgroups before sending the spec (no
 *    user code runs before), and the init unshares mount/uts/ipc/cgroup (owned by U: it may mount,
 *    pivot and set the hostname there), mounts the overlay root, /proc before pivot_root, and execs.
 * After the init runs, the host-side idmapped mount is detached (the container's mount namespace
 * holds its own copy) and the holder is let go (U lives on in the container).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, lchownSync, lstatSync, mkdirSync, openSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MNT_DETACH, hasErrno, mountIdmapped, umount2 } from '../../sys';
import { programPath } from './program-path';
import type { IdMap } from './types';

/** A container's maps, as recorded in its config. */
export interface UsernsMaps {
  readonly uidMap: readonly IdMap[];
  readonly gidMap: readonly IdMap[];
}

/** The kernel's limit on lines in one uid_map or gid_map (since Linux 4.15). */
export const MAX_MAP_LINES = 340;

/** The text of /proc/<pid>/uid_map for `maps`: "CONTAINER_ID HOST_ID SIZE" lines. */
export function idMapText(maps: readonly IdMap[]): string {
  return maps.map((m) => `${m.containerId} ${m.hostId} ${m.size}\n`).join('');
}

/** The host id that container id `id` maps to; undefined when `id` is not mapped. */
export function hostIdOf(maps: readonly IdMap[], id: number): number | undefined {
  const m = maps.find((l) => id >= l.containerId && id < l.containerId + l.size);
  return m === undefined ? undefined : m.hostId + (id - m.containerId);
}

/** Why a map cannot be used: the problem in words, or undefined when it is fine. */
export function mapProblem(maps: readonly IdMap[]): string | undefined {
  if (maps.length === 0) return 'no map lines';
  if (maps.length > MAX_MAP_LINES) return `${maps.length} lines, the kernel takes at most ${MAX_MAP_LINES}`;
  // The init becomes root of the namespace (setuid(0) there): root inside must exist.
  if (hostIdOf(maps, 0) === undefined) return 'container id 0 (root) is not mapped';
  return undefined;
}

/** The mapped root of a container: the host uid and gid its root runs as. */
export function mappedRoot(maps: UsernsMaps): { uid: number; gid: number } {
  return { uid: hostIdOf(maps.uidMap, 0)!, gid: hostIdOf(maps.gidMap, 0)! };
}

/** A user namespace held open for a container's init to be born into. */
export interface HeldUserns {
  /** `/proc/<holder>/ns/user`: what nsenter joins. */
  readonly userPath: string;
  /** `/proc/<holder>/ns/net`: a netns owned by the user namespace (when asked for). */
  readonly netPath?: string;
  /** Lets the holder go (idempotent); the namespaces live on in whatever process joined them. */
  release(): Promise<void>;
}

/**
 * Creates a user namespace, held by a `cat` process, and writes its maps. `net`: and a netns it owns
 * (for a container with a netns of its own), which berth names and attaches like any other.
 * @throws Error naming the step (spawn, map write) after the holder is gone.
 */
export async function holdUserns(maps: UsernsMaps, opts: { net: boolean }): Promise<HeldUserns> {
  const holder = spawn(programPath('unshare'), ['--user', ...(opts.net ? ['--net'] : []), programPath('cat')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => holder.once('close', () => resolve()));
  const release = async () => {
    holder.stdin?.end();
    if (holder.exitCode === null && holder.signalCode === null && holder.pid !== undefined) holder.kill('SIGKILL');
    await exited;
  };
  try {
    await echoed(holder);
    const pid = holder.pid!;
    // uid_map first or gid_map first does not matter for a writer with CAP_SETUID/CAP_SETGID in the
    // parent namespace; setgroups stays "allow", so nsenter may drop the supplementary groups.
    writeFileSync(`/proc/${pid}/uid_map`, idMapText(maps.uidMap));
    writeFileSync(`/proc/${pid}/gid_map`, idMapText(maps.gidMap));
    return { userPath: `/proc/${pid}/ns/user`, ...(opts.net ? { netPath: `/proc/${pid}/ns/net` } : {}), release };
  } catch (err) {
    await release();
    throw new Error(`creating the user namespace: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Resolves once `cat` echoes a line: unshare has made the namespace and exec'd it. */
function echoed(holder: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    holder.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    holder.once('error', reject);
    holder.once('exit', (code, signal) => reject(new Error(`unshare exited (${signal ?? code}): ${stderr.trim()}`)));
    holder.stdout!.once('data', () => resolve());
    holder.stdin!.write('ready\n');
  });
}

/** Where a container's idmapped views of its image's layers are mounted: `<container dir>/lower/<i>`. */
export const idmappedLowerOf = (containerDir: string): string => join(containerDir, 'lower');

/** The idmapped mount point of layer `index` (topmost first). */
export const idmappedLayerOf = (containerDir: string, index: number): string => join(idmappedLowerOf(containerDir), String(index));

/** Detaches every idmapped layer mount of the container and removes the mount points (idempotent). */
export function unmountIdmappedLayers(containerDir: string): void {
  const base = idmappedLowerOf(containerDir);
  let names: string[];
  try {
    names = readdirSync(base);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
    throw err;
  }
  // Only the numbered mount points: an older berth mounted one layer at `lower` itself, whose
  // entries are the image's own files and must never be touched.
  for (const name of names.filter((n) => /^\d+$/.test(n))) {
    unmountIdmappedLower(join(base, name));
    rmdirSync(join(base, name), { maxRetries: 0 });
  }
}

/** Bind-mounts `rootfs` idmapped through the held namespace at `target` (created if missing). */
export function mountIdmappedLower(rootfs: string, target: string, userns: HeldUserns): void {
  mkdirSync(target, { recursive: true, mode: 0o700 });
  const fd = openSync(userns.userPath, 'r');
  try {
    mountIdmapped(rootfs, target, fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Detaches the idmapped lower mount if there is one (idempotent): after the init started (its mount
 * namespace has its own copy), at teardown, and before a crashed container's directory is deleted.
 */
export function unmountIdmappedLower(target: string): void {
  try {
    umount2(target, MNT_DETACH);
  } catch (err) {
    // EINVAL: not a mount point (already detached); ENOENT: never made.
    if (!hasErrno(err, 'EINVAL') && !hasErrno(err, 'ENOENT')) throw err;
  }
}

/**
 * Lets the mapped root pass through every directory from `path`'s parent up to `root` (o+x added
 * where missing, as dockerd makes its root 0711 under userns-remap): the init opens its paths as
 * root of the user namespace, which has no capabilities over host-owned directories.
 */
export function makePassable(root: string, path: string): void {
  for (let dir = dirname(path); dir === root || dir.startsWith(`${root}/`); dir = dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    // Execute-only for others: they may pass through, never list.
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
    if (dir === root) break;
  }
}

/**
 * Gives `paths` (those that exist) to the mapped root, as Docker's userns-remap owns a container's
 * directory by the remapped root: overlayfs mounted inside the user namespace writes the upper and
 * work directories with the mounter's ids, and the /etc files are the container's own.
 */
export function chownToMappedRoot(paths: readonly string[], owner: { uid: number; gid: number }): void {
  for (const path of paths) {
    if (statSync(path, { throwIfNoEntry: false }) !== undefined) chownSync(path, owner.uid, owner.gid);
  }
}


/**
 * Gives every file under `dir` (itself included) the host owner its owner maps to: what a volume's
 * copy-up took from the image (host ids as in the image) becomes what the container sees as the
 * image's owners, as under Docker's userns-remap, whose image layers are stored remapped. Ids the
 * maps do not cover stay as they are (they show as nobody inside). Symlinks are not followed.
 */
export function shiftOwners(dir: string, maps: UsernsMaps): void {
  const visit = (path: string): void => {
    const st = lstatSync(path);
    const uid = hostIdOf(maps.uidMap, st.uid) ?? st.uid;
    const gid = hostIdOf(maps.gidMap, st.gid) ?? st.gid;
    // chown clears set-id bits; they are restored as the image had them.
    if (uid !== st.uid || gid !== st.gid) {
      lchownSync(path, uid, gid);
      if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) chmodSync(path, st.mode & 0o7777);
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
}
