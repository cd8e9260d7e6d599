import assert from 'node:assert/strict';
import { linkAdd } from '../../../../../lib/netlink/link';
import { decodeLink, encodeLinkAdd } from '../../../../../lib/netlink/link/codec';
import { decodeBridgeData } from '../../../../../lib/netlink/link/bridge';
import { BR0 } from './captured-replies';
import { fakeHandle, hex, requestInfoData } from './harness';

describe('lib/netlink/link bridge', () => {
  it('encodes a bridge with IFLA_BR_* settings, brought up at creation (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await linkAdd(h, { kind: 'bridge', name: 'br0', up: true, bridge: { forwardDelay: 400, stp: true, priority: 0x1000, mcastSnooping: false } });
    assert.equal(t.lastRequestHex(), hex(
      '5c000000 1000 0506 00000000 00000000', // nlmsghdr: 92 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
      '00 00 0000 00000000 01000000 01000000', // ifinfomsg: AF_UNSPEC, index 0, flags IFF_UP, change IFF_UP
      '0800 0300 62723000', //                    IFLA_IFNAME "br0\0"
      '3400 1200', //                             IFLA_LINKINFO (52)
      '  0b00 0100 6272696467650000', //            IFLA_INFO_KIND "bridge\0" + 1 pad
      '  2400 0200', //                             IFLA_INFO_DATA (36)
      '    0800 0100 90010000', //                    IFLA_BR_FORWARD_DELAY u32 400
      '    0800 0500 01000000', //                    IFLA_BR_STP_STATE u32 1
      '    0600 0600 0010 0000', //                   IFLA_BR_PRIORITY u16 0x1000 + pad
      '    0500 1700 00 000000', //                   IFLA_BR_MCAST_SNOOPING u8 0 + pad
    ));
  });

  it('leaves IFLA_INFO_DATA out when no bridge setting is given', () => {
    const bytes = encodeLinkAdd({ kind: 'bridge', name: 'br1' }).serialize(0);
    assert.equal(bytes.toString('hex'), hex(
      '38000000 1000 0506 00000000 00000000', // 56 bytes
      '00000000 00000000 00000000 00000000',
      '0800 0300 62723100', //                   IFLA_IFNAME "br1\0"
      '1000 1200', //                            IFLA_LINKINFO (16): just the kind
      '  0b00 0100 6272696467650000',
    ));
  });

  it('decodes a captured bridge (stp_state 1, forward_delay 400)', () => {
    const link = decodeLink(BR0);
    assert.equal(link.kind, 'bridge');
    if (link.kind !== 'bridge') return;
    assert.equal(link.name, 'br0');
    assert.equal(link.index, 2);
    assert.equal(link.mtu, 1400);
    assert.equal(link.hardwareAddr, '02:11:22:33:44:55');
    assert.deepEqual(link.bridge, {
      forwardDelay: 400, helloTime: 200, maxAge: 2000, ageingTime: 30000, stp: true, priority: 32768,
      vlanFiltering: false, groupFwdMask: 0, mcastSnooping: true, mcastQuerier: false, nfCallIptables: false,
    });
  });

  it('round-trips its settings through the encoder and decoder', () => {
    const bridge = { forwardDelay: 1500, helloTime: 100, maxAge: 1200, ageingTime: 600, stp: false, priority: 7,
      vlanFiltering: false, groupFwdMask: 8, mcastSnooping: true, mcastQuerier: true, nfCallIptables: true, vlanDefaultPvid: 1 };
    const bytes = encodeLinkAdd({ kind: 'bridge', name: 'br0', bridge }).serialize(0);
    assert.deepEqual(decodeBridgeData(requestInfoData(bytes)), bridge);
  });
});
