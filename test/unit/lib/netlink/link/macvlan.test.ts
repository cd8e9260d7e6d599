import assert from 'node:assert/strict';
import { linkAdd, macvlanSetMacAddrs, type MacvlanMode } from '../../../../../lib/netlink/link';
import { decodeLink, encodeLinkAdd } from '../../../../../lib/netlink/link/codec';
import { decodeMacvlanData } from '../../../../../lib/netlink/link/macvlan';
import { MV0, MV1 } from './captured-replies';
import { fakeHandle, hex, requestInfoData, stableHex } from './harness';

/** RTM_NEWLINK creating "mv0" on lower device 3, with the given IFLA_INFO_DATA children (hand-written hex). */
function macvlanAdd(totalLen: string, linkinfoLen: string, dataLen: string, ...data: string[]): string {
  return hex(
    `${totalLen}000000 1000 0506 00000000 00000000`, // nlmsghdr: RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
    '00000000 00000000 00000000 00000000', //         ifinfomsg
    '0800 0300 6d763000', //                          IFLA_IFNAME "mv0\0"
    '0800 0500 03000000', //                          IFLA_LINK 3 (the lower device)
    `${linkinfoLen}00 1200`, //                       IFLA_LINKINFO
    '  0c00 0100 6d6163766c616e00', //                  IFLA_INFO_KIND "macvlan\0"
    `  ${dataLen}00 0200`, //                           IFLA_INFO_DATA
    ...data,
  );
}

describe('lib/netlink/link macvlan', () => {
  const modes: [MacvlanMode, string][] = [['private', '01'], ['vepa', '02'], ['bridge', '04'], ['passthru', '08'], ['source', '10']];
  for (const [mode, value] of modes) {
    it(`encodes mode ${mode} as MACVLAN_MODE_${mode.toUpperCase()} = 0x${value} (golden bytes)`, async () => {
      const { h, t } = fakeHandle();
      await linkAdd(h, { kind: 'macvlan', name: 'mv0', parentIndex: 3, macvlan: { mode } });
      // 76 = 16 + 16 + 8 + 8 + LINKINFO 28 (4 + kind 12 + data 12)
      assert.equal(t.lastRequestHex(), macvlanAdd('4c', '1c', '0c', `0800 0100 ${value}000000`)); // IFLA_MACVLAN_MODE u32
    });
  }

  it('encodes passthru with nopromisc: IFLA_MACVLAN_FLAGS is a u16 (golden bytes)', () => {
    const bytes = encodeLinkAdd({ kind: 'macvlan', name: 'mv0', parentIndex: 3, macvlan: { mode: 'passthru', nopromisc: true } }).serialize(0);
    assert.equal(bytes.toString('hex'), macvlanAdd('54', '24', '14',
      '0800 0100 08000000', //  IFLA_MACVLAN_MODE passthru
      '0600 0200 0100 0000', // IFLA_MACVLAN_FLAGS MACVLAN_FLAG_NOPROMISC (u16) + pad
    ));
  });

  it('encodes source mode with its MAC list as MACADDR_MODE SET + MACADDR_DATA (golden bytes)', () => {
    const bytes = encodeLinkAdd({
      kind: 'macvlan', name: 'mv0', parentIndex: 3, macvlan: { mode: 'source', macaddrs: ['02:00:00:00:00:01', '02:00:00:00:00:02'] },
    }).serialize(0);
    assert.equal(bytes.toString('hex'), macvlanAdd('70', '40', '30',
      '0800 0100 10000000', //                IFLA_MACVLAN_MODE source
      '0800 0300 03000000', //                IFLA_MACVLAN_MACADDR_MODE MACVLAN_MACADDR_SET
      '1c00 0500', //                         IFLA_MACVLAN_MACADDR_DATA (28)
      '  0a00 0400 020000000001 0000', //       IFLA_MACVLAN_MACADDR
      '  0a00 0400 020000000002 0000', //       IFLA_MACVLAN_MACADDR
    ));
  });

  it('edits a source list: add and del one MAC per request, set the whole list, flush (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await macvlanSetMacAddrs(h, 6, 'add', ['02:00:00:00:00:03', '02:00:00:00:00:04']);
    await macvlanSetMacAddrs(h, 6, 'del', ['02:00:00:00:00:01']);
    await macvlanSetMacAddrs(h, 6, 'set', ['02:00:00:00:00:09']);
    await macvlanSetMacAddrs(h, 6, 'flush');
    const change = (total: string, linkinfo: string, data: string, ...attrs: string[]) => hex(
      `${total}000000 1000 0500 00000000 00000000`, // RTM_NEWLINK, REQUEST|ACK: a change, no CREATE
      '00000000 06000000 00000000 00000000', //      ifinfomsg index 6
      `${linkinfo}00 1200`, '0c00 0100 6d6163766c616e00', `${data}00 0200`, ...attrs,
    );
    assert.deepEqual(t.sent.map(stableHex), [
      change('48', '28', '18', '0800 0300 00000000', '0a00 0400 020000000003 0000'), // MACVLAN_MACADDR_ADD + MACADDR
      change('48', '28', '18', '0800 0300 00000000', '0a00 0400 020000000004 0000'),
      change('48', '28', '18', '0800 0300 01000000', '0a00 0400 020000000001 0000'), // MACVLAN_MACADDR_DEL
      change('4c', '2c', '1c', '0800 0300 03000000', '1000 0500', '0a00 0400 020000000009 0000'), // SET + MACADDR_DATA
      change('3c', '1c', '0c', '0800 0300 02000000'), // MACVLAN_MACADDR_FLUSH
    ]);
  });

  it('decodes a captured source-mode macvlan with its MAC list', () => {
    const link = decodeLink(MV0);
    assert.equal(link.kind, 'macvlan');
    if (link.kind !== 'macvlan') return;
    assert.equal(link.parentIndex, 3);
    assert.deepEqual(link.macvlan, {
      mode: 'source', nopromisc: false, macaddrs: ['02:00:00:00:00:02', '02:00:00:00:00:01'], macaddrCount: 2, bcQueueLen: 1000,
    });
  });

  it('decodes a captured passthru macvlan with nopromisc', () => {
    const link = decodeLink(MV1);
    assert.equal(link.kind, 'macvlan');
    if (link.kind === 'macvlan') assert.deepEqual({ mode: link.macvlan.mode, nopromisc: link.macvlan.nopromisc }, { mode: 'passthru', nopromisc: true });
  });

  it('round-trips mode, flags, MAC list and broadcast queue length', () => {
    for (const mode of modes.map(([m]) => m)) {
      const macvlan = { mode, nopromisc: mode === 'passthru', macaddrs: ['0a:0b:0c:0d:0e:0f'], bcQueueLen: 500 };
      assert.deepEqual(decodeMacvlanData(requestInfoData(encodeLinkAdd({ kind: 'macvlan', name: 'm', parentIndex: 1, macvlan }).serialize(0))), macvlan);
    }
  });
});
