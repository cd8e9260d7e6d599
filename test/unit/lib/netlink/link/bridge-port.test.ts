import assert from 'node:assert/strict';
import { bridgePortGet, bridgePortSet } from '../../../../../lib/netlink/link';
import { decodeBridgePort } from '../../../../../lib/netlink/link/bridge-port';
import { IFLA_PROTINFO } from '../../../../../lib/netlink/link/constants';
import { attrMap } from '../../../../../lib/netlink/nl/attrs';
import { LO, P0, VLAN_DUMP_P0 } from './captured-replies';
import { answerGetLink, fakeHandle, hex, stableHex } from './harness';

describe('lib/netlink/link bridge port flags', () => {
  it('sets hairpin exactly as iproute2 does: bridge link set dev p0 hairpin on', async () => {
    const { h, t } = fakeHandle();
    await bridgePortSet(h, 6, { hairpin: true });
    assert.equal(t.lastRequestHex(), hex(
      '2c000000 1300 0500 00000000 00000000', // RTM_SETLINK, REQUEST|ACK
      '07 00 0000 06000000 00000000 00000000', // ifinfomsg: AF_BRIDGE, index 6
      '0c00 0c80', //                            IFLA_PROTINFO | NLA_F_NESTED (br_setlink needs the flag)
      '  0500 0400 01 000000', //                  IFLA_BRPORT_MODE = BRIDGE_MODE_HAIRPIN
    ));
    // The same bytes (after the header) as captured with strace from iproute2 6.1.
    assert.equal(t.lastRequestHex().slice(32), '070000000600000000000000000000000c000c800500040001000000');
  });

  it('sets several flags in one IFLA_PROTINFO, a named link resolved to its index first (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    answerGetLink(t, P0);
    await bridgePortSet(h, 'p0', { hairpin: false, learning: false, isolated: true });
    assert.equal(stableHex(t.sent[1]!), hex(
      '3c000000 1300 0500 00000000 00000000',
      '07 00 0000 04000000 00000000 00000000', // p0 is index 4 in the captured reply
      '1c00 0c80', //                            IFLA_PROTINFO | NLA_F_NESTED (28)
      '  0500 0400 00 000000', //                  IFLA_BRPORT_MODE = BRIDGE_MODE_UNSPEC
      '  0500 0800 00 000000', //                  IFLA_BRPORT_LEARNING 0
      '  0500 2100 01 000000', //                  IFLA_BRPORT_ISOLATED 1
    ));
  });

  it('reads the flags back from IFLA_INFO_SLAVE_DATA, undefined for a link that is not a port', async () => {
    const { h, t } = fakeHandle();
    answerGetLink(t, P0);
    const port = await bridgePortGet(h, 'p0');
    assert.deepEqual(port, {
      state: 0, priority: 32, cost: 2, hairpin: true, guard: false, rootBlock: false, fastLeave: false, learning: false,
      unicastFlood: true, proxyArp: false, mcastFlood: true, bcastFlood: true, neighSuppress: false, isolated: true,
    });
    answerGetLink(t, LO);
    assert.equal(await bridgePortGet(h, 'lo'), undefined);
  });

  it('decodes IFLA_PROTINFO from a captured AF_BRIDGE dump the same way', () => {
    const protinfo = attrMap(VLAN_DUMP_P0, 16).get(IFLA_PROTINFO)!;
    const port = decodeBridgePort(protinfo);
    assert.deepEqual({ hairpin: port.hairpin, isolated: port.isolated, learning: port.learning }, { hairpin: true, isolated: true, learning: false });
  });
});
