/**
 * `berth cp` in and out of a container. Paths inside the container are resolved as the container
 * sees them (lib/runtime/storage/secure-join): `..` stops at its root and every symlink, absolute
 * or relative, is followed inside it, so no path and no link in the image can send a read or a write
 * to the host. The last component of a destination is never followed (a link there is replaced, and
 * files are opened O_NOFOLLOW), nor is a link in the source: links are copied as links, as Docker
 * does without -L.
 *
 * The root is the running container's own (/proc/<pid>/root: its volumes and mounts included), or,
 * for a stopped container, its overlay mounted on the host for the copy under the container's lock
 * (so no start runs meanwhile), as Docker mounts a stopped container's filesystem for cp.
 */
import { constants, promises as fs, readFileSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { MNT_DETACH, mount, umount2 } from '../../sys';
import { overlayData, overlayLayout } from '../storage/overlay-root';
import { secureJoin } from '../storage/secure-join';
import type { RuntimeDeps } from './deps';
import { tryLock } from './lock';
import { processStartTime } from './start';
import { ContainerError } from './store';
import type { ContainerRecord } from './types';

const exists = (path: string) => fs.lstat(path).catch((err: NodeJS.ErrnoException) => {
  if (err.code === 'ENOENT') return undefined;
  throw err;
});

/** Runs `fn` with the host path of the container's root filesystem. */
export async function withContainerRoot<T>(deps: RuntimeDeps, rec: ContainerRecord, fn: (root: string) => Promise<T>): Promise<T> {
  const { pid, pidStartTime, status } = rec.state;
  if ((status === 'running' || status === 'paused') && pid > 0 && (pidStartTime === undefined || processStartTime(pid) === pidStartTime)) {
    return fn(`/proc/${pid}/root`);
  }
  const dir = deps.containers.containerDir(rec.config.id);
  const lock = tryLock(dir);
  if (lock === undefined) throw new ContainerError(`container ${rec.config.id} is being started by another berth; try again`, 'conflict');
  try {
    const layout = overlayLayout(dir, deps.images.lowerdirs(rec.config.imageId));
    for (const d of [layout.upperdir, layout.workdir, layout.merged]) await fs.mkdir(d, { recursive: true, mode: 0o700 });
    mount('overlay', layout.merged, 'overlay', 0, overlayData(layout));
    try {
      return await fn(layout.merged);
    } finally {
      umount2(layout.merged, MNT_DETACH);
    }
  } finally {
    lock.release();
  }
}

/**
 * Where container path `path` lands under `root`: its parent resolved inside the root (it must be
 * a directory), its last component as given.
 */
async function placeInside(root: string, path: string, ref: string): Promise<string> {
  const name = posix.basename(path);
  const parent = secureJoin(root, posix.dirname(posix.resolve('/', path)));
  // stat, not lstat: the root itself may be /proc/<pid>/root, a link to the container's root (the
  // components under it are resolved already).
  const st = await fs.stat(parent).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) throw new ContainerError(`Could not find the file ${posix.dirname(posix.resolve('/', path))} in container ${ref}`, 'not-found');
  return name === '' ? parent : join(parent, name);
}

/** Copies host `src` (a file, directory or link) to host `dest`, never following a link at `dest`. */
async function copyEntry(src: string, dest: string): Promise<void> {
  const st = await fs.lstat(src);
  const there = await exists(dest);
  if (there !== undefined && (!there.isDirectory() || !st.isDirectory())) {
    if (there.isDirectory()) throw new ContainerError(`cannot overwrite directory ${dest} with non-directory ${src}`, 'invalid');
    await fs.unlink(dest);
  }
  if (st.isDirectory()) {
    if (there === undefined) await fs.mkdir(dest, { mode: st.mode & 0o7777 });
    // `dest` is a real directory now (made here, or one lstat saw as a directory): its children are
    // plain joins, and a link among them is replaced, never followed.
    for (const name of await fs.readdir(src)) await copyEntry(join(src, name), join(dest, name));
    await fs.chmod(dest, st.mode & 0o7777);
    await fs.utimes(dest, st.atime, st.mtime);
  } else if (st.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(src), dest);
  } else if (st.isFile()) {
    const out = await fs.open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, st.mode & 0o7777);
    try {
      const input = await fs.open(src, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const buf = Buffer.allocUnsafe(1 << 20);
        for (;;) {
          const { bytesRead } = await input.read(buf, 0, buf.length, null);
          if (bytesRead === 0) break;
          await out.write(buf, 0, bytesRead);
        }
      } finally {
        await input.close();
      }
      await out.chmod(st.mode & 0o7777);
      await out.utimes(st.atime, st.mtime);
    } finally {
      await out.close();
    }
  }
  // Devices, fifos and sockets are not copied (Docker's tar would carry them; berth leaves them out).
}

/** `berth cp SRC CONTAINER:DEST`. `root` from {@link withContainerRoot}. */
export async function copyIntoContainer(root: string, ref: string, hostSrc: string, containerDest: string): Promise<void> {
  const srcStat = await exists(hostSrc);
  if (srcStat === undefined) throw new ContainerError(`stat ${hostSrc}: no such file or directory`, 'not-found');
  // An existing directory (or a link to one, resolved inside the root) receives the source by its name.
  const resolved = secureJoin(root, posix.resolve('/', containerDest));
  const st = await fs.stat(resolved).catch(() => undefined); // resolved: no link left but the root's
  let target: string;
  if (st?.isDirectory() === true) target = join(resolved, basename(hostSrc));
  else if (containerDest.endsWith('/')) throw new ContainerError(`Could not find the file ${containerDest} in container ${ref}`, 'not-found');
  else target = await placeInside(root, containerDest, ref);
  await copyEntry(hostSrc, target);
}

/** `berth cp CONTAINER:SRC DEST`. `root` from {@link withContainerRoot}. */
export async function copyFromContainer(root: string, ref: string, containerSrc: string, hostDest: string): Promise<void> {
  const source = await placeInside(root, containerSrc, ref).catch(() => undefined);
  if (source === undefined || (await exists(source)) === undefined) throw new ContainerError(`Could not find the file ${containerSrc} in container ${ref}`, 'not-found');
  const destStat = await fs.stat(hostDest).catch(() => undefined);
  const name = posix.basename(posix.resolve('/', containerSrc)) || basename(source);
  const target = destStat?.isDirectory() === true ? join(hostDest, name) : hostDest;
  await copyEntry(source, target);
}

const unescapeMount = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * Ids of containers whose overlay is mounted on the host at `<containers>/<id>/merged`: only a cp of
 * a stopped container mounts it there, so one found here was left by a cp killed half-way (the
 * container's own mounts live in its mount namespace). The reconcile unmounts them.
 */
export function leftoverCopyMounts(containersDir: string): string[] {
  const ids = new Set<string>();
  const pattern = /^([0-9a-f]{64})\/merged$/;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4];
    if (point === undefined) continue;
    const path = unescapeMount(point);
    if (!path.startsWith(`${containersDir}/`)) continue;
    const m = pattern.exec(path.slice(containersDir.length + 1));
    if (m) ids.add(m[1]!);
  }
  return [...ids];
}

/** Unmounts a leftover copy mount (see {@link leftoverCopyMounts}). */
export function unmountCopyMount(containerDir: string): void {
  umount2(join(containerDir, 'merged'), MNT_DETACH);
}
