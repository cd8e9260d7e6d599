import assert from 'node:assert/strict';
import { linkAdd } from '../../../../../lib/netlink/link';
import { decodeLink, encodeLinkAdd } from '../../../../../lib/netlink/link/codec';
import { IFLA_INFO_KIND, IFLA_LINKINFO } from '../../../../../lib/netlink/link/constants';
import { VETH_INFO_PEER } from '../../../../../lib/netlink/link/veth';
import { attrMap } from '../../../../../lib/netlink/nl/attrs';
import { P0 } from './captured-replies';
import { attrSet, fakeHandle, hex, requestInfoData } from './harness';

describe('lib/netlink/link veth', () => {
  it('encodes a veth whose peer is created in another netns (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await linkAdd(h, { kind: 'veth', name: 'veth0', mtu: 1450, peer: { name: 'eth0', netnsFd: 7, hardwareAddr: '02:42:0a:00:00:02' } });
    assert.equal(t.lastRequestHex(), hex(
      '7c000000 1000 0506 00000000 00000000', // nlmsghdr: 124 bytes, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
      '00000000 00000000 00000000 00000000', // ifinfomsg
      '0a00 0300 766574683000 0000', //         IFLA_IFNAME "veth0\0" + 2 pad
      '0800 0400 aa050000', //                  IFLA_MTU 1450
      '4800 1200', //                           IFLA_LINKINFO (72)
      '  0900 0100 7665746800 000000', //         IFLA_INFO_KIND "veth\0" + 3 pad
      '  3800 0200', //                           IFLA_INFO_DATA (56)
      '    3400 0100', //                           VETH_INFO_PEER (52)
      '      00000000 00000000 00000000 00000000', //  the peer's own ifinfomsg
      '      0900 0300 6574683000 000000', //          IFLA_IFNAME "eth0\0"
      '      0a00 0100 02420a000002 0000', //          IFLA_ADDRESS
      '      0800 1c00 07000000', //                   IFLA_NET_NS_FD 7
    ));
  });

  it('says the same as iproute2 (whose bytes the kernel accepts): ip link add va type veth peer name vb netns NS', () => {
    // Captured with strace from iproute2 6.1 (netns fd 4). iproute2 sends IFLA_INFO_KIND without the NUL and
    // the peer's netns fd before its name; the kernel accepts both spellings and orders.
    const iproute2 = Buffer.from(hex(
      '00000000000000000000000000000000 0700 0300 76610000 3400 1200 0800 0100 76657468',
      '2800 0200 2400 0100 00000000000000000000000000000000 0800 1c00 04000000 0700 0300 76620000',
    ), 'hex');
    const ours = encodeLinkAdd({ kind: 'veth', name: 'va', peer: { name: 'vb', netnsFd: 4 } }).serialize(0).subarray(16);
    const top = (b: Buffer) => [b.subarray(0, 16).toString('hex'), ...attrSet(b, 16).filter((a) => !a.startsWith(`${IFLA_LINKINFO}:`))];
    const kind = (b: Buffer) => attrSet(attrMap(b, 16).get(IFLA_LINKINFO)!, 0, [IFLA_INFO_KIND]).filter((a) => a.startsWith(`${IFLA_INFO_KIND}:`));
    const peer = (b: Buffer) => {
      const p = attrMap(requestInfoData(b, 16)!).get(VETH_INFO_PEER)!;
      return [p.subarray(0, 16).toString('hex'), ...attrSet(p, 16)];
    };
    assert.deepEqual(top(ours), top(iproute2));
    assert.deepEqual(kind(ours), kind(iproute2));
    assert.deepEqual(peer(ours), peer(iproute2));
  });

  it('refuses a peer name the kernel would refuse, before sending', () => {
    assert.throws(() => encodeLinkAdd({ kind: 'veth', name: 'veth0', peer: { name: 'a-name-far-too-long' } }), /invalid interface name/);
    assert.throws(() => encodeLinkAdd({ kind: 'veth', name: 'bad/name', peer: { name: 'eth0' } }), TypeError);
  });

  it('decodes a captured veth end: peer index, bridge port data, alias, up', () => {
    const link = decodeLink(P0);
    assert.equal(link.kind, 'veth');
    assert.equal(link.name, 'p0');
    assert.equal(link.mtu, 1400);
    assert.equal(link.hardwareAddr, '02:11:22:33:44:55');
    assert.equal(link.alias, 'uplink');
    assert.equal(link.masterIndex, 2);
    assert.equal(link.parentIndex, 3, 'IFLA_LINK names the peer p1');
    assert.equal(link.up, true);
    assert.equal(link.slaveKind, 'bridge');
    assert.deepEqual(
      { hairpin: link.bridgePort?.hairpin, isolated: link.bridgePort?.isolated, learning: link.bridgePort?.learning },
      { hairpin: true, isolated: true, learning: false },
    );
  });
});
