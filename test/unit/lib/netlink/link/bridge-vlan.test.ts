import assert from 'node:assert/strict';
import { BridgeVlanUnsupportedError, bridgeVlanAdd, bridgeVlanDel, bridgeVlanList } from '../../../../../lib/netlink/link';
import { bridgeVlanMessage, decodeBridgeVlanPort } from '../../../../../lib/netlink/link/bridge-vlan';
import { NetlinkError } from '../../../../../lib/netlink/errors';
import { NLM_F_MULTI, RTM_DELLINK, RTM_NEWLINK } from '../../../../../lib/netlink/nl/constants';
import { ERRNO } from '../../../../../lib/sys';
import { ackMessage, doneMessage, replyMessage } from '../../../../helpers/fake-transport';
import { BR0, LO, P0, VLAN_DUMP_BR0, VLAN_DUMP_P0 } from './captured-replies';
import { answerGetLink, fakeHandle, hex } from './harness';

describe('lib/netlink/link bridge VLANs', () => {
  it('adds a pvid untagged VLAN on a port: AF_SPEC { BRIDGE_FLAGS master, VLAN_INFO } (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await bridgeVlanAdd(h, 6, { vid: 10, pvid: true, untagged: true });
    assert.equal(t.lastRequestHex(), hex(
      '34000000 1300 0500 00000000 00000000', // 52 bytes, RTM_SETLINK, REQUEST|ACK
      '07 00 0000 06000000 00000000 00000000', // ifinfomsg: AF_BRIDGE, index 6
      '1400 1a00', //                            IFLA_AF_SPEC (20)
      '  0600 0000 0100 0000', //                  IFLA_BRIDGE_FLAGS u16 BRIDGE_FLAGS_MASTER
      '  0800 0200 0600 0a00', //                  IFLA_BRIDGE_VLAN_INFO { flags PVID|UNTAGGED, vid 10 }
    ));
    // iproute2's `bridge vlan add dev p0 vid 10 pvid untagged` (strace) sends the same VLAN_INFO; it leaves
    // IFLA_BRIDGE_FLAGS out, which the kernel reads as master.
    assert.ok(t.lastRequestHex().includes('080002000600' + '0a00'));
  });

  it('deletes a VLAN from the bridge itself with self (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await bridgeVlanDel(h, 2, { vid: 100, self: true });
    assert.equal(t.lastRequestHex(), hex(
      '34000000 1100 0500 00000000 00000000', // RTM_DELLINK
      '07 00 0000 02000000 00000000 00000000',
      '1400 1a00',
      '  0600 0000 0200 0000', //                  BRIDGE_FLAGS_SELF
      '  0800 0200 0000 6400', //                  vid 100, no flags
    ));
    const both = bridgeVlanMessage(RTM_DELLINK, 2, { vid: 4094, self: true, master: true }).serialize(0).toString('hex');
    assert.ok(both.endsWith(hex('0600 0000 0300 0000', '0800 0200 0000 fe0f')));
  });

  it('refuses VLAN ids outside 1..4094', () => {
    for (const vid of [0, 4095, 1.5]) assert.throws(() => bridgeVlanMessage(RTM_DELLINK, 2, { vid }), RangeError);
  });

  it('lists VLANs with an AF_BRIDGE dump asking for RTEXT_FILTER_BRVLAN (golden bytes), ranges expanded', async () => {
    const { h, t } = fakeHandle();
    // A synthesized port with VLAN 1 (pvid untagged) and the range 10-12, as a compressed dump would send it.
    const port = Buffer.from(hex(
      '07 00 0100 05000000 02100000 00000000',
      '0900 0300 7665746831000000', '0800 0a00 02000000',
      '1c00 1a00', '0800 0200 0600 0100', '0800 0200 0800 0a00', '0800 0200 1000 0c00',
    ), 'hex');
    t.respond = (_req, seq) => [replyMessage(RTM_NEWLINK, NLM_F_MULTI, seq, VLAN_DUMP_BR0), replyMessage(RTM_NEWLINK, NLM_F_MULTI, seq, port), doneMessage(seq)];
    const list = await bridgeVlanList(h);
    assert.equal(t.lastRequestHex(), hex(
      '28000000 1200 0103 00000000 00000000', // RTM_GETLINK, REQUEST|DUMP
      '07 00 0000 00000000 00000000 00000000', // AF_BRIDGE
      '0800 1d00 02000000', //                   IFLA_EXT_MASK RTEXT_FILTER_BRVLAN
    ));
    assert.deepEqual(list, [
      { index: 2, name: 'br0', masterIndex: 2, vlans: [] }, // the kernel names a bridge its own master here
      { index: 5, name: 'veth1', masterIndex: 2, vlans: [
        { vid: 1, pvid: true, untagged: true, flags: 6 },
        { vid: 10, pvid: false, untagged: false, flags: 0 },
        { vid: 11, pvid: false, untagged: false, flags: 0 },
        { vid: 12, pvid: false, untagged: false, flags: 0 },
      ] },
    ]);
    assert.deepEqual(decodeBridgeVlanPort(VLAN_DUMP_P0), { index: 4, name: 'p0', masterIndex: 2, vlans: [] });
  });

  it('explains EOPNOTSUPP on a bridge port: this kernel has no VLAN filtering', async () => {
    const { h, t } = fakeHandle();
    answerGetLink(t, P0, (seq) => [ackMessage(seq, ERRNO.EOPNOTSUPP)]);
    await assert.rejects(bridgeVlanAdd(h, 'p0', { vid: 10 }), (err: unknown) => {
      assert.ok(err instanceof BridgeVlanUnsupportedError);
      assert.ok(err instanceof NetlinkError);
      assert.equal(err.code, 'EOPNOTSUPP');
      assert.match(err.message, /^RTM_SETLINK "p0" bridge vlan add vid 10: EOPNOTSUPP \(bridge VLAN filtering is not supported by this kernel/);
      assert.ok(err.cause instanceof NetlinkError);
      return true;
    });
    answerGetLink(t, BR0, (seq) => [ackMessage(seq, ERRNO.EOPNOTSUPP)]);
    await assert.rejects(bridgeVlanAdd(h, 2, { vid: 10, self: true }), BridgeVlanUnsupportedError);
  });

  it('explains EOPNOTSUPP on a link that is not a bridge port', async () => {
    const { h, t } = fakeHandle();
    answerGetLink(t, LO, (seq) => [ackMessage(seq, ERRNO.EOPNOTSUPP)]);
    await assert.rejects(bridgeVlanAdd(h, 1, { vid: 10 }), (err: unknown) =>
      err instanceof NetlinkError && !(err instanceof BridgeVlanUnsupportedError) && err.code === 'EOPNOTSUPP' && /index 1 is not a bridge port/.test(err.message));
  });
});
