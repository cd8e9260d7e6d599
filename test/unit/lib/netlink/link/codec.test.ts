import assert from 'node:assert/strict';
import { decodeLink, encodeLinkAdd } from '../../../../../lib/netlink/link/codec';
import type { LinkSpec } from '../../../../../lib/netlink/link';
import { LO } from './captured-replies';
import { hex } from './harness';

describe('lib/netlink/link codec', () => {
  it('decodes a captured loopback as a device link (no IFLA_INFO_KIND)', () => {
    assert.deepEqual(decodeLink(LO), {
      index: 1, name: 'lo', mtu: 65536, hardwareAddr: '00:00:00:00:00:00', flags: 0x8, up: false, operState: 'down',
      txQueueLen: 1000, promiscuity: 0, kind: 'device',
    });
  });

  it('decodes an unmodelled kind as generic, keeping the kernel kind and IFLA_INFO_DATA', () => {
    const body = Buffer.from(hex(
      '00 00 0100 07000000 43100100 00000000', //  ifinfomsg: ARPHRD_ETHER, index 7, UP|BROADCAST|RUNNING|MULTICAST|LOWER_UP
      '0b00 0300 6475 6d6d 7930 0000', //          IFLA_IFNAME "dummy0\0"
      '0800 0400 dc050000', //                     IFLA_MTU 1500
      '0500 1000 06 000000', //                    IFLA_OPERSTATE IF_OPER_UP
      '0800 0500 03000000', //                     IFLA_LINK 3
      '0800 2500 01000000', //                     IFLA_LINK_NETNSID 1
      '1c00 1200', //                              IFLA_LINKINFO
      '  0a00 0100 64756d6d7900 0000', //            IFLA_INFO_KIND "dummy\0"
      '  0c00 0200 0800 0100 2a000000', //           IFLA_INFO_DATA { attr 1 = 42 }
    ), 'hex');
    const link = decodeLink(body);
    assert.equal(link.kind, 'generic');
    if (link.kind !== 'generic') return;
    assert.equal(link.infoKind, 'dummy');
    assert.equal(link.infoData?.toString('hex'), '080001002a000000');
    assert.deepEqual([link.name, link.mtu, link.up, link.operState, link.parentIndex, link.netnsId], ['dummy0', 1500, true, 'up', 3, 1]);
  });

  it('refuses a kind it cannot create (the switch over kinds is exhaustive)', () => {
    assert.throws(() => encodeLinkAdd({ kind: 'dummy', name: 'd0' } as unknown as LinkSpec), /unsupported kind "dummy"/);
  });

  it('refuses names the kernel would refuse', () => {
    for (const name of ['', 'sixteen-chars-xx', 'a b', 'a/b', 'a:b', '.', '..']) {
      assert.throws(() => encodeLinkAdd({ kind: 'bridge', name }), TypeError, JSON.stringify(name));
    }
    assert.doesNotThrow(() => encodeLinkAdd({ kind: 'bridge', name: 'fifteen-chars-x' }));
  });
});
