/**
 * The smallest useful image without a registry: Debian's statically linked busybox (package
 * busybox-static) and one symlink per applet, a passwd and group with root and nobody, and the
 * directories the runtime mounts over. /etc/hosts, resolv.conf and hostname are left to the runtime,
 * which bind-mounts its own, as Docker does.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_PATH_ENV, type ImageConfig } from './image-config';
import { ImageError, errCode } from './image-error';
import { makeDirsAsync } from '../../sys';

/** Where Debian's busybox-static puts the binary. */
export const DEFAULT_BUSYBOX = '/bin/busybox';

/** The busybox image's run defaults, as the Docker Hub image has them. */
export const BUSYBOX_CONFIG: Readonly<ImageConfig> = Object.freeze({ Cmd: ['sh'], Env: [DEFAULT_PATH_ENV], WorkingDir: '', Entrypoint: null });

const INSTALL_HINT = 'install a static busybox with `apt-get install busybox-static`';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\n';
/** Directories and their modes; mkdir's mode is masked by the umask, so each is chmod'ed after. */
const DIRS: readonly (readonly [string, number])[] = [
  ['bin', 0o755], ['sbin', 0o755], ['usr', 0o755], ['usr/bin', 0o755], ['usr/sbin', 0o755], ['etc', 0o755],
  ['proc', 0o555], ['sys', 0o555], ['dev', 0o755], ['tmp', 0o1777], ['root', 0o700], ['var', 0o755],
];

const PT_INTERP = 3;

/**
 * Whether the ELF file at `path` is statically linked: it has no PT_INTERP program header, so it
 * needs no dynamic loader and runs inside an empty rootfs (static-pie binaries qualify too).
 * @throws ImageError invalid when the file is not ELF.
 */
export async function isStaticElf(path: string): Promise<boolean> {
  const file = await fs.open(path, 'r');
  try {
    const header = Buffer.alloc(64);
    const { bytesRead } = await file.read(header, 0, 64, 0);
    if (bytesRead < 52 || header.readUInt32BE(0) !== 0x7f454c46) throw new ImageError(`${path} is not an ELF executable`, 'invalid');
    const is64 = header[4] === 2;
    const le = header[5] === 1;
    const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64 ? Number(le ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32)) : u32(header, 28);
    const phentsize = u16(header, is64 ? 54 : 42);
    const phnum = u16(header, is64 ? 56 : 44);
    if (phentsize < 4 || phnum === 0) throw new ImageError(`${path} is not an ELF executable (no program headers)`, 'invalid');
    const table = Buffer.alloc(phentsize * phnum);
    await file.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (u32(table, i * phentsize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    await file.close();
  }
}

/**
 * Throws ImageError invalid, saying how to install busybox-static, unless `busybox` is a regular
 * file holding a statically linked ELF executable.
 */
export async function checkStaticBusybox(busybox: string): Promise<void> {
  const st = await fs.stat(busybox).catch((err: unknown) => {
    throw new ImageError(`busybox ${busybox}: ${errCode(err) === 'ENOENT' ? 'not found' : (err as Error).message}; ${INSTALL_HINT}`, 'invalid', { cause: err });
  });
  if (!st.isFile()) throw new ImageError(`busybox ${busybox} is not a regular file; ${INSTALL_HINT}`, 'invalid');
  if (!(await isStaticElf(busybox))) {
    throw new ImageError(`busybox ${busybox} is dynamically linked and cannot run inside an image without its libraries; ${INSTALL_HINT}`, 'invalid');
  }
}

/** Applet paths relative to the root ("bin/sh", "usr/bin/wget", ...), as `busybox --list-full` prints them. */
export async function listApplets(busybox: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(busybox, ['--list-full'], { maxBuffer: 1 << 20 }).catch((err: Error) => {
    throw new ImageError(`busybox ${busybox} --list-full failed: ${err.message}`, 'invalid', { cause: err });
  });
  // Only plain relative paths: this output becomes file names, so nothing may climb out.
  return stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('/') && !l.split('/').includes('..'));
}

/** Builds the busybox rootfs in the existing empty directory `dest`. */
export async function buildBusyboxRootfs(dest: string, busybox: string): Promise<void> {
  await checkStaticBusybox(busybox);
  const applets = await listApplets(busybox);
  await fs.chmod(dest, 0o755);
  for (const [dir, mode] of DIRS) {
    await makeDirsAsync(join(dest, dir));
    await fs.chmod(join(dest, dir), mode);
  }
  const binary = join(dest, 'bin/busybox');
  await fs.copyFile(busybox, binary);
  await fs.chmod(binary, 0o755);
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    const path = join(dest, applet);
    await makeDirsAsync(dirname(path));
    // Relative, so the link resolves both inside the container and from the host (rootfs/bin/sh).
    await fs.symlink(posix.join(relative(dirname(path), dest) || '.', 'bin/busybox'), path).catch((err: unknown) => {
      if (errCode(err) !== 'EEXIST') throw err;
    });
  }
  await writeFile(join(dest, 'etc/passwd'), PASSWD, 0o644);
  await writeFile(join(dest, 'etc/group'), GROUP, 0o644);
}

async function writeFile(path: string, text: string, mode: number): Promise<void> {
  await fs.writeFile(path, text);
  await fs.chmod(path, mode);
}
