import assert from 'node:assert/strict';
import { linkAdd } from '../../../../../lib/netlink/link';
import { decodeLink, encodeLinkAdd } from '../../../../../lib/netlink/link/codec';
import { decodeVxlanData } from '../../../../../lib/netlink/link/vxlan';
import { IFLA_INFO_KIND, IFLA_LINKINFO } from '../../../../../lib/netlink/link/constants';
import { attrMap } from '../../../../../lib/netlink/nl/attrs';
import type { VxlanAttrs } from '../../../../../lib/netlink/link';
import { VX0 } from './captured-replies';
import { attrSet, fakeHandle, hex, requestInfoData } from './harness';

describe('lib/netlink/link vxlan', () => {
  it('encodes an IPv4 vxlan with the destination port big-endian (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await linkAdd(h, { kind: 'vxlan', name: 'vx0', vxlan: { vni: 42, local: '10.1.2.3', underlayIndex: 2, port: 4789, learning: false, ttl: 5 } });
    assert.equal(t.lastRequestHex(), hex(
      '6c000000 1000 0506 00000000 00000000', // nlmsghdr: 108 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
      '00000000 00000000 00000000 00000000', // ifinfomsg
      '0800 0300 76783000', //                  IFLA_IFNAME "vx0\0"
      '4400 1200', //                           IFLA_LINKINFO (68)
      '  0a00 0100 76786c616e00 0000', //         IFLA_INFO_KIND "vxlan\0"
      '  3400 0200', //                           IFLA_INFO_DATA (52)
      '    0800 0100 2a000000', //                  IFLA_VXLAN_ID 42 (host order)
      '    0800 0300 02000000', //                  IFLA_VXLAN_LINK 2
      '    0800 0400 0a010203', //                  IFLA_VXLAN_LOCAL 10.1.2.3 (network order)
      '    0500 0500 05 000000', //                 IFLA_VXLAN_TTL 5
      '    0500 0700 00 000000', //                 IFLA_VXLAN_LEARNING 0
      '    0600 0f00 12b5 0000', //                 IFLA_VXLAN_PORT 4789 = 0x12b5, BIG-endian
    ));
  });

  it('says the same as iproute2: ip link add vx0 type vxlan id 42 local 10.1.2.3 dstport 4789 dev IF nolearning ttl 5', () => {
    // Captured with strace from iproute2 6.1 (dev ifindex 2); it sends IFLA_INFO_KIND without the NUL.
    const iproute2 = Buffer.from(hex(
      '00000000000000000000000000000000 0800 0300 76783000 4400 1200 0900 0100 76786c616e000000 3400 0200',
      '0800 0300 02000000 0500 0500 05000000 0800 0100 2a000000 0800 0400 0a010203 0500 0700 00000000 0600 0f00 12b50000',
    ), 'hex');
    const ours = encodeLinkAdd({ kind: 'vxlan', name: 'vx0', vxlan: { vni: 42, local: '10.1.2.3', underlayIndex: 2, port: 4789, learning: false, ttl: 5 } })
      .serialize(0).subarray(16);
    assert.deepEqual(attrSet(requestInfoData(ours, 16)!), attrSet(requestInfoData(iproute2, 16)!));
    const kind = (b: Buffer) => attrSet(attrMap(b, 16).get(IFLA_LINKINFO)!, 0, [IFLA_INFO_KIND])[0];
    assert.equal(kind(ours), kind(iproute2));
  });

  it('encodes IPv6 local and group, a big-endian source port range, udpcsum and gbp (golden bytes)', () => {
    const bytes = encodeLinkAdd({
      kind: 'vxlan', name: 'vx6',
      vxlan: { vni: 0x123456, local: '2001:db8::1', group: 'ff05::100', port: 8472, srcPortRange: { low: 1000, high: 2000 }, udpCsum: true, gbp: true },
    }).serialize(0);
    assert.equal(bytes.toString('hex'), hex(
      '88000000 1000 0506 00000000 00000000', // 136 bytes
      '00000000 00000000 00000000 00000000',
      '0800 0300 76783600', //                                           IFLA_IFNAME "vx6\0"
      '6000 1200', //                                                    IFLA_LINKINFO (96)
      '  0a00 0100 76786c616e00 0000', //                                  IFLA_INFO_KIND "vxlan\0"
      '  5000 0200', //                                                    IFLA_INFO_DATA (80)
      '    0800 0100 56341200', //                                           IFLA_VXLAN_ID 0x123456
      '    1400 1000 ff050000 00000000 00000000 00000100', //                IFLA_VXLAN_GROUP6 ff05::100
      '    1400 1100 20010db8 00000000 00000000 00000001', //                IFLA_VXLAN_LOCAL6 2001:db8::1
      '    0800 0a00 03e8 07d0', //                                          IFLA_VXLAN_PORT_RANGE 1000..2000, big-endian
      '    0600 0f00 2118 0000', //                                          IFLA_VXLAN_PORT 8472, big-endian
      '    0500 1200 01 000000', //                                          IFLA_VXLAN_UDP_CSUM 1
      '    0400 1700', //                                                    IFLA_VXLAN_GBP (flag)
    ));
  });

  it('decodes a captured IPv6 vxlan (remote, srcport, l2miss, gbp)', () => {
    const link = decodeLink(VX0);
    assert.equal(link.kind, 'vxlan');
    if (link.kind !== 'vxlan') return;
    assert.equal(link.name, 'vx0');
    assert.deepEqual(link.vxlan, {
      vni: 4242, local: '2001:db8::1', remote: '2001:db8::2', underlayIndex: 3, port: 4789,
      srcPortRange: { low: 1000, high: 2000 }, learning: false, ttl: 64, tos: 0, ageing: 300, proxy: false,
      l2miss: true, l3miss: false, udpCsum: true, gbp: true,
    });
  });

  it('round-trips every modelled setting; a multicast address is a group, a unicast one a remote', () => {
    const cases: VxlanAttrs[] = [
      { vni: 1, group: '239.1.1.1', local: '10.0.0.1', underlayIndex: 9, port: 4789, srcPortRange: { low: 1, high: 65535 },
        learning: true, ttl: 0, tos: 1, ageing: 30, proxy: true, l2miss: true, l3miss: true, udpCsum: false, gbp: true },
      { vni: 0xffffff, remote: '192.0.2.7', port: 0 },
      { vni: 7, remote: '2001:db8::9', local: '2001:db8::1' },
    ];
    for (const vxlan of cases) {
      assert.deepEqual(decodeVxlanData(requestInfoData(encodeLinkAdd({ kind: 'vxlan', name: 'v', vxlan }).serialize(0))), vxlan);
    }
  });

  it('refuses a VNI out of range and both group and remote', () => {
    assert.throws(() => encodeLinkAdd({ kind: 'vxlan', name: 'v', vxlan: { vni: 1 << 24 } }), RangeError);
    assert.throws(() => encodeLinkAdd({ kind: 'vxlan', name: 'v', vxlan: { vni: -1 } }), RangeError);
    assert.throws(() => encodeLinkAdd({ kind: 'vxlan', name: 'v', vxlan: { vni: 1, group: '239.0.0.1', remote: '10.0.0.1' } }), TypeError);
  });
});
