/** v1 blkio controller: the proportional weight and the per-device bandwidth throttles. */
import { join } from 'node:path';
import { CgroupUnsupportedError } from '../errors';
import { readOptional } from '../fs';
import type { ThrottleDevice } from '../resources';
import type { V1ControllerOps } from './controller';

/** Spells a throttle entry as the blkio.throttle.* and io.max files take it: "MAJ:MIN". */
export function deviceKey(d: ThrottleDevice): string {
  return `${d.major}:${d.minor}`;
}

/** The blkio controller. */
export const blkio: V1ControllerOps = {
  name: 'blkio',
  neededBy: (r) =>
    r.blkioWeight ? '--blkio-weight' : r.deviceReadBps?.length ? '--device-read-bps' : r.deviceWriteBps?.length ? '--device-write-bps' : undefined,
  apply(cfs, dir, r) {
    if (r.blkioWeight) {
      // blkio.weight exists only with the CFQ scheduler (gone since Linux 5.0); with BFQ the same knob
      // is blkio.bfq.weight, as runc falls back to. Neither: the host has no proportional I/O control.
      const file = ['blkio.weight', 'blkio.bfq.weight'].map((f) => join(dir, f)).find((p) => cfs.exists(p));
      if (file === undefined) throw new CgroupUnsupportedError('--blkio-weight', 'no blkio.weight or blkio.bfq.weight (neither CFQ nor BFQ scheduler)');
      cfs.write(file, String(r.blkioWeight));
    }
    // One device per write: the kernel parses a single "MAJ:MIN VALUE" entry per write(2).
    for (const d of r.deviceReadBps ?? []) cfs.write(join(dir, 'blkio.throttle.read_bps_device'), `${deviceKey(d)} ${d.rate}`);
    for (const d of r.deviceWriteBps ?? []) cfs.write(join(dir, 'blkio.throttle.write_bps_device'), `${deviceKey(d)} ${d.rate}`);
  },
  stats(cfs, dir, out) {
    // The throttle file counts every request (the proportional blkio.io_service_bytes only under CFQ).
    const text = readOptional(cfs, join(dir, 'blkio.throttle.io_service_bytes'));
    if (text !== undefined) out.io = parseIoServiceBytes(text);
  },
};

/** Sums "MAJ:MIN Read N" / "MAJ:MIN Write N" lines over all devices (docker stats' BLOCK I/O). */
export function parseIoServiceBytes(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    const [dev, op, value] = line.trim().split(/\s+/);
    if (dev === undefined || !dev.includes(':') || value === undefined) continue;
    if (op === 'Read') readBytes += Number(value);
    else if (op === 'Write') writeBytes += Number(value);
  }
  return { readBytes, writeBytes };
}
