/**
 * Content identity and size of a rootfs directory. The digest is sha256 over a canonical listing:
 * one line per entry in byte order of its path, with type and mode, owner, size, link target,
 * device numbers and the sha256 of a regular file's bytes. Timestamps are left out on purpose, so
 * two copies of the same tree (or two builds of the busybox image) get the same id.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type BigIntStats } from 'node:fs';
import { ImageError, errCode } from './image-error';

/** What {@link digestRootfs} and {@link measureRootfs} report. */
export interface RootfsFacts {
  /** 64 hex; empty when only the size was asked for. */
  readonly digest: string;
  /** Sum of the sizes of the regular files, each inode counted once (as du does for hardlinks). */
  readonly size: number;
}

/** Digest and size of the tree at `dir`. */
export async function digestRootfs(dir: string): Promise<RootfsFacts> {
  return walkRootfs(dir, true);
}

/** Size only: for tarballs, whose id is the digest of the stream. */
export async function measureRootfs(dir: string): Promise<number> {
  return (await walkRootfs(dir, false)).size;
}

async function walkRootfs(dir: string, withDigest: boolean): Promise<RootfsFacts> {
  const listing = createHash('sha256');
  const seen = new Map<bigint, string>(); // inode → content digest: a hardlinked file is read once
  let size = 0;
  // Buffer paths throughout: a tarball may carry names that are not UTF-8, which strings would mangle.
  const visit = async (abs: Buffer, rel: Buffer): Promise<void> => {
    const st = await fs.lstat(abs, { bigint: true });
    const kind = st.mode & 0o170000n;
    let content = '-';
    let target = '-';
    if (kind === 0o100000n) {
      if (!seen.has(st.ino)) size += Number(st.size);
      if (withDigest) {
        content = seen.get(st.ino) ?? (await hashFile(abs));
      }
      seen.set(st.ino, content);
    } else if (kind === 0o120000n) {
      target = JSON.stringify((await fs.readlink(abs, { encoding: 'buffer' })).toString('latin1'));
    }
    if (withDigest) listing.update(`${line(rel, st, content, target)}\n`);
    if (kind !== 0o040000n) return;
    const names = (await fs.readdir(abs, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) {
      await visit(Buffer.concat([abs, SLASH, name]), rel.length === 0 ? name : Buffer.concat([rel, SLASH, name]));
    }
  };
  try {
    await visit(Buffer.from(dir), Buffer.alloc(0));
  } catch (err) {
    throw new ImageError(`reading rootfs ${dir}: ${(err as Error).message}`, errCode(err) === 'ENOENT' ? 'not-found' : 'io', { cause: err });
  }
  return { digest: withDigest ? listing.digest('hex') : '', size };
}

const SLASH = Buffer.from('/');

function line(rel: Buffer, st: BigIntStats, content: string, target: string): string {
  const path = rel.length === 0 ? '.' : rel.toString('latin1');
  const isDevice = (st.mode & 0o170000n) === 0o020000n || (st.mode & 0o170000n) === 0o060000n;
  const size = (st.mode & 0o170000n) === 0o100000n ? st.size : 0n;
  return [JSON.stringify(path), st.mode.toString(8), st.uid, st.gid, size, target, content, isDevice ? st.rdev : '-'].join(' ');
}

async function hashFile(path: Buffer): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
