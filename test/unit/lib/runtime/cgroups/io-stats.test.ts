import assert from 'node:assert/strict';
import { parseIoServiceBytes } from '../../../../../lib/runtime/cgroups/v1/blkio';
import { parseIoStat } from '../../../../../lib/runtime/cgroups/v2/io';

describe('lib/runtime/cgroups io figures', () => {
  it('sums v1 blkio.throttle.io_service_bytes over devices, Read and Write only', () => {
    const text = '254:0 Read 4096\n254:0 Write 8192\n254:0 Sync 12288\n254:0 Total 12288\n8:0 Read 100\n8:0 Write 1\nTotal 12389\n';
    assert.deepEqual(parseIoServiceBytes(text), { readBytes: 4196, writeBytes: 8193 });
    assert.deepEqual(parseIoServiceBytes('Total 0\n'), { readBytes: 0, writeBytes: 0 });
  });
  it('sums v2 io.stat rbytes and wbytes over devices', () => {
    const text = '254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n8:0 rbytes=100 wbytes=1 rios=1 wios=1\n';
    assert.deepEqual(parseIoStat(text), { readBytes: 4196, writeBytes: 8193 });
  });
});
