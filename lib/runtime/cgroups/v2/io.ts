/** v2 io controller: io.weight (converted from blkio weight) and io.max bandwidth limits. */
import { join } from 'node:path';
import type { CgroupFs } from '../fs';
import { blkioWeightToIoWeight } from '../convert';
import type { Resources } from '../resources';

/** Writes io.weight and one io.max entry per device and direction. */
export function applyIo(cfs: CgroupFs, dir: string, r: Resources): void {
  if (r.blkioWeight) {
    // With the BFQ scheduler io.bfq.weight takes blkio's own 1..1000 range; otherwise io.weight
    // (iocost) takes 1..10000, so the value is converted. runc prefers BFQ the same way.
    const bfq = join(dir, 'io.bfq.weight');
    if (cfs.exists(bfq)) cfs.write(bfq, String(r.blkioWeight));
    else cfs.write(join(dir, 'io.weight'), String(blkioWeightToIoWeight(r.blkioWeight)));
  }
  // io.max keeps the keys a write does not mention, so read and write limits can be separate writes.
  for (const d of r.deviceReadBps ?? []) cfs.write(join(dir, 'io.max'), `${d.major}:${d.minor} rbps=${d.rate}`);
  for (const d of r.deviceWriteBps ?? []) cfs.write(join(dir, 'io.max'), `${d.major}:${d.minor} wbps=${d.rate}`);
}

/** Sums rbytes/wbytes of io.stat ("MAJ:MIN rbytes=N wbytes=N rios=N ...") over all devices. */
export function parseIoStat(text: string): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split('\n')) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const [key, value] = field.split('=');
      if (key === 'rbytes') readBytes += Number(value);
      else if (key === 'wbytes') writeBytes += Number(value);
    }
  }
  return { readBytes, writeBytes };
}
