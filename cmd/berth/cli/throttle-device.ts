/**
 * `--device-read-bps` / `--device-write-bps PATH:RATE`: the Docker CLI's syntax check
 * (opts/throttledevice.go) and the daemon's resolution of PATH to the block device's major:minor.
 */
import { statSync } from 'node:fs';
import type { ThrottleDevice } from '../../../lib/runtime/cgroups';
import { ramInBytes } from './ram-in-bytes';

/** What is needed of stat(2): injectable so unit tests need no block device. */
export interface DeviceStat {
  readonly rdev: number;
  isBlockDevice(): boolean;
}

/** The stat used by default. */
export const statDevice = (path: string): DeviceStat => statSync(path);

/** A syntax error (the CLI's, printed as an invalid flag argument) or a resolution error (the daemon's). */
export class ThrottleDeviceError extends Error {
  /** `syntax`: pflag's "invalid argument" form; `device`: the path is not a usable block device. */
  readonly kind: 'syntax' | 'device';
  constructor(message: string, kind: 'syntax' | 'device') {
    super(message);
    this.name = 'ThrottleDeviceError';
    this.kind = kind;
  }
}

/** glibc's major(3)/minor(3) of a dev_t. */
export function splitDev(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/**
 * Parses `PATH:RATE` and resolves PATH.
 * @throws ThrottleDeviceError with Docker's texts.
 */
export function parseThrottleDevice(value: string, stat: (path: string) => DeviceStat = statDevice): ThrottleDevice {
  const colon = value.indexOf(':');
  const path = colon < 0 ? '' : value.slice(0, colon);
  if (colon < 0 || path === '') throw new ThrottleDeviceError(`bad format: ${value}`, 'syntax');
  if (!path.startsWith('/dev/')) throw new ThrottleDeviceError(`bad format for device path: ${value}`, 'syntax');
  let rate: number;
  try {
    rate = ramInBytes(value.slice(colon + 1));
  } catch {
    throw new ThrottleDeviceError(
      `invalid rate for device: ${value}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`,
      'syntax',
    );
  }
  let st: DeviceStat;
  try {
    st = stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ThrottleDeviceError(`stat ${path}: ${code === 'ENOENT' ? 'no such file or directory' : String(code ?? err)}`, 'device');
  }
  // A bandwidth limit keys on a block device number; a char device's number would name another disk.
  if (!st.isBlockDevice()) throw new ThrottleDeviceError(`${path} is not a block device`, 'device');
  return { ...splitDev(st.rdev), rate };
}
