/**
 * Filling a rootfs directory from outside: a tar stream through the system's GNU tar, or a copy of
 * a directory. GNU tar is the extractor because its defaults are the safe ones: it strips leading
 * `/` from member names, refuses members whose names contain `..`, and defers symlinks that point
 * outside the tree until the end, so no member can be written through one. Those defaults are kept
 * (no -P, no --absolute-names).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { ImageError } from './image-error';

/** tar's flag for each compression, keyed by the format's magic bytes. */
const MAGIC: readonly { readonly bytes: readonly number[]; readonly flag: string }[] = [
  { bytes: [0x1f, 0x8b], flag: '--gzip' },
  { bytes: [0x42, 0x5a, 0x68], flag: '--bzip2' }, // "BZh"
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], flag: '--xz' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], flag: '--zstd' },
  { bytes: [0x4c, 0x5a, 0x49, 0x50], flag: '--lzip' }, // "LZIP"
  { bytes: [0x1f, 0x9d], flag: '--compress' },
];
const MAGIC_LEN = 6;
/** tar's and cp's messages end up in our errors: untranslated, whatever the user's locale. */
const C_LOCALE = { ...process.env, LC_ALL: 'C' };

/**
 * The tar option that decompresses a stream starting with `head`, or undefined for a plain tar.
 * GNU tar guesses compression only for seekable files, never on a pipe, so we look ourselves.
 */
export function compressionFlag(head: Uint8Array): string | undefined {
  return MAGIC.find((m) => m.bytes.length <= head.length && m.bytes.every((b, i) => head[i] === b))?.flag;
}

/**
 * Extracts the tar stream `source` into the existing directory `dest` and returns the sha256 of
 * the bytes read (compressed as they came: the id of a tarball import). `what` names the source
 * in errors.
 */
export async function extractTar(source: Readable, dest: string, what: string): Promise<string> {
  const hash = createHash('sha256');
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let headLen = 0;
  let ended = false;
  // Read just enough to recognise a compression before starting tar with the right flag.
  while (headLen < MAGIC_LEN) {
    const next = await readChunk(iterator, what);
    if (next === undefined) {
      ended = true;
      break;
    }
    head.push(next);
    headLen += next.length;
  }
  const first = Buffer.concat(head);
  const flag = compressionFlag(first);
  const args = ['-x', '--numeric-owner', ...(flag ? [flag] : []), '-f', '-', '-C', dest];
  const tar = spawn('tar', args, { stdio: ['pipe', 'ignore', 'pipe'], env: C_LOCALE });
  const stderr: Buffer[] = [];
  tar.stderr.on('data', (d: Buffer) => stderr.push(d));
  // tar may stop reading early (a bad archive): the EPIPE that follows is not the error to report.
  tar.stdin.on('error', () => {});
  let exitCode: number | null | undefined; // undefined while tar runs
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.on('error', (err) => {
      exitCode = null; // never started: stop feeding it
      reject(err);
    });
    tar.on('close', (code) => {
      exitCode = code;
      resolve(code);
    });
  });
  exited.catch(() => {});
  const feed = async (chunk: Buffer): Promise<void> => {
    hash.update(chunk);
    if (exitCode === undefined && !tar.stdin.write(chunk)) {
      // once() rejects on the EPIPE of a tar that quit: its exit status is what gets reported.
      await Promise.race([once(tar.stdin, 'drain').catch(() => {}), exited.catch(() => {})]);
    }
  };
  try {
    if (first.length > 0) await feed(first);
    // Read to the end even after tar is done (it stops at the end-of-archive blocks), so that the id
    // is the digest of the whole input; stop early only when tar has failed anyway.
    while (!ended && (exitCode === undefined || exitCode === 0)) {
      const next = await readChunk(iterator, what);
      if (next === undefined) {
        ended = true;
        break;
      }
      await feed(next);
    }
  } finally {
    tar.stdin.end();
    if (!ended) await iterator.return?.().catch(() => {});
  }
  const code = await exited.catch((err: Error) => {
    throw new ImageError(`importing ${what}: cannot run tar: ${err.message}`, 'io', { cause: err });
  });
  if (code !== 0) throw tarError(what, code, Buffer.concat(stderr).toString('utf8'));
  return hash.digest('hex');
}

/**
 * Copies the tree under `src` into the existing directory `dest` with `cp -a`: modes, owners,
 * timestamps, symlinks, hardlinks within the tree, device nodes, fifos and xattrs. `src/.` copies
 * the directory itself too, so the rootfs root takes the source's mode and owner.
 */
export async function copyTree(src: string, dest: string): Promise<void> {
  const cp = spawn('cp', ['-a', '--', `${src}/.`, dest], { stdio: ['ignore', 'ignore', 'pipe'], env: C_LOCALE });
  const stderr: Buffer[] = [];
  cp.stderr.on('data', (d: Buffer) => stderr.push(d));
  const code = await new Promise<number | null>((resolve, reject) => {
    cp.on('error', reject);
    cp.on('close', resolve);
  }).catch((err: Error) => {
    throw new ImageError(`importing ${src}: cannot run cp: ${err.message}`, 'io', { cause: err });
  });
  if (code !== 0) {
    throw new ImageError(`importing ${src}: cp exited with status ${code}: ${firstLines(Buffer.concat(stderr).toString('utf8'))}`, 'io');
  }
}

async function readChunk(iterator: AsyncIterator<Buffer | string>, what: string): Promise<Buffer | undefined> {
  try {
    const next = await iterator.next();
    if (next.done) return undefined;
    return typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
  } catch (err) {
    throw new ImageError(`importing ${what}: ${(err as Error).message}`, 'io', { cause: err });
  }
}

/** An archive tar refused is the user's input at fault, unless the disk is. */
function tarError(what: string, code: number | null, stderr: string): ImageError {
  const kind = /No space left on device|Disk quota exceeded|Read-only file system/.test(stderr) ? 'io' : 'invalid';
  return new ImageError(`importing ${what}: tar exited with status ${code ?? 'signal'}: ${firstLines(stderr)}`, kind);
}

function firstLines(text: string, max = 6): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const shown = lines.slice(0, max).join('; ');
  return lines.length > max ? `${shown}; ...` : shown || '(no message)';
}
