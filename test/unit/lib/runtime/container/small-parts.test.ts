import assert from 'node:assert/strict';
import { parseSignal } from '../../../../../lib/runtime/container/control';
import { attachmentOf } from '../../../../../lib/runtime/container/network-attach';
import { processStartTime } from '../../../../../lib/runtime/container/start';
import { parseNetDev } from '../../../../../lib/runtime/container/stats';
import { exitCodeOf } from '../../../../../lib/runtime/container/supervise';
import { makedev } from '../../../../../lib/sys/mount';

describe('lib/runtime/container small parts', () => {
  it("parses Docker's signal spellings", () => {
    assert.equal(parseSignal('KILL'), 'SIGKILL');
    assert.equal(parseSignal('sigterm'), 'SIGTERM');
    assert.equal(parseSignal('10'), 'SIGUSR1');
    assert.throws(() => parseSignal('NOPE'), /Invalid signal: NOPE/);
    assert.throws(() => parseSignal('999'), /Invalid signal/);
  });
  it('maps exits to Docker codes: 128+n for signals', () => {
    assert.equal(exitCodeOf(3, null), 3);
    assert.equal(exitCodeOf(null, 'SIGKILL'), 137);
    assert.equal(exitCodeOf(null, 'SIGTERM'), 143);
  });
  it('reads the sandbox interface of a CNI result', () => {
    const result = {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'berth0', mac: '02:00:00:00:00:01' }, { name: 'veth1' }, { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/x' }],
      ips: [{ address: '10.87.0.5/16', gateway: '10.87.0.1', interface: 2 }, { address: 'fd00::5/64', interface: 2 }],
    };
    assert.deepEqual(attachmentOf('bridge', result), { network: 'bridge', ifName: 'eth0', mac: '02:00:00:00:00:02', ipv4: '10.87.0.5/16', gateway: '10.87.0.1', ipv6: 'fd00::5/64' });
  });
  it('sums /proc/net/dev without loopback', () => {
    const text = 'Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n    lo: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n  eth0: 2000 5 0 0 0 0 0 0 300 4 0 0 0 0 0 0\n';
    assert.deepEqual(parseNetDev(text), { rxBytes: 2000, txBytes: 300 });
  });
  it('reads a process start time and nothing for a missing pid', () => {
    assert.match(processStartTime(process.pid) ?? '', /^\d+$/);
    assert.equal(processStartTime(2 ** 22 + 1), undefined);
  });
  it("encodes dev_t as glibc's makedev", () => {
    assert.equal(makedev(1, 3), 0x103n);
    assert.equal(makedev(5, 0), 0x500n);
    assert.equal(makedev(259, 65536), (259n << 8n) | ((65536n & ~0xffn) << 12n));
  });
});
