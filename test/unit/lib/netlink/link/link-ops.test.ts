import assert from 'node:assert/strict';
import {
  linkAdd, linkByIndex, linkByName, linkDel, linkList, linkSetDown, linkSetHardwareAddr, linkSetMaster, linkSetMtu,
  linkSetName, linkSetNetns, linkSetNoMaster, linkSetPromisc, linkSetUp,
} from '../../../../../lib/netlink/link';
import { LinkNotFoundError, NetlinkError, isLinkNotFound } from '../../../../../lib/netlink/errors';
import { NLM_F_MULTI, RTM_NEWLINK } from '../../../../../lib/netlink/nl/constants';
import { ERRNO } from '../../../../../lib/sys';
import { ackMessage, doneMessage, replyMessage } from '../../../../helpers/fake-transport';
import { BR0, LO } from './captured-replies';
import { answerGetLink, fakeHandle, hex, stableHex } from './harness';

/** RTM_SETLINK (0x13), REQUEST|ACK, ifinfomsg with index/flags/change, then attributes. */
function setlink(total: string, index: string, flags: string, change: string, ...attrs: string[]): string {
  return hex(`${total}000000 1300 0500 00000000 00000000`, `00000000 ${index} ${flags} ${change}`, ...attrs);
}

describe('lib/netlink/link operations', () => {
  it('encodes every set operation (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await linkSetUp(h, 4);
    await linkSetDown(h, { index: 4 });
    await linkSetPromisc(h, 4, true);
    await linkSetPromisc(h, 4, false);
    await linkSetMtu(h, 4, 9000);
    await linkSetHardwareAddr(h, 4, '02:00:00:00:00:01');
    await linkSetName(h, 4, 'new-name');
    await linkSetMaster(h, 4, 7);
    await linkSetNoMaster(h, 4);
    await linkSetNetns(h, 4, 9);
    assert.deepEqual(t.sent.map(stableHex), [
      setlink('20', '04000000', '01000000', '01000000'), //            up: IFF_UP in flags and change
      setlink('20', '04000000', '00000000', '01000000'), //            down: IFF_UP in change only
      setlink('20', '04000000', '00010000', '00010000'), //            promisc on: IFF_PROMISC 0x100
      setlink('20', '04000000', '00000000', '00010000'), //            promisc off
      setlink('28', '04000000', '00000000', '00000000', '0800 0400 28230000'), //              IFLA_MTU 9000
      setlink('2c', '04000000', '00000000', '00000000', '0a00 0100 020000000001 0000'), //     IFLA_ADDRESS
      setlink('30', '04000000', '00000000', '00000000', '0d00 0300 6e65772d6e616d6500 000000'), // IFLA_IFNAME "new-name\0"
      setlink('28', '04000000', '00000000', '00000000', '0800 0a00 07000000'), //              IFLA_MASTER 7
      setlink('28', '04000000', '00000000', '00000000', '0800 0a00 00000000'), //              IFLA_MASTER 0
      setlink('28', '04000000', '00000000', '00000000', '0800 1c00 09000000'), //              IFLA_NET_NS_FD 9
    ]);
  });

  it('addresses a link by name with IFLA_IFNAME and index 0 (the kernel looks it up)', async () => {
    const { h, t } = fakeHandle();
    await linkSetUp(h, 'eth0');
    assert.equal(t.lastRequestHex(), setlink('2c', '00000000', '01000000', '01000000', '0900 0300 6574683000 000000'));
    await linkDel(h, 'eth0');
    assert.equal(t.lastRequestHex(), hex('2c000000 1100 0500 00000000 00000000', '00000000 00000000 00000000 00000000', '0900 0300 6574683000 000000'));
  });

  it('renames a link named by name after resolving its index (IFLA_IFNAME carries the new name)', async () => {
    const { h, t } = fakeHandle();
    answerGetLink(t, BR0);
    await linkSetName(h, 'br0', 'br9');
    assert.equal(t.sent.length, 2);
    assert.equal(t.lastRequestHex(), setlink('28', '02000000', '00000000', '00000000', '0800 0300 62723900'));
    await assert.rejects(linkSetName(h, 'br0', 'x'.repeat(16)), /invalid interface name/);
    assert.equal(t.sent.length, 2, 'a bad name is refused before any request');
  });

  it('deletes by index from a pool thread (RTM_DELLINK is slow in the kernel)', async () => {
    const { h, t } = fakeHandle();
    let asyncSends = 0;
    const sendAsync = t.sendAsync.bind(t);
    t.sendAsync = async (req) => { asyncSends++; await sendAsync(req); };
    await linkDel(h, 5);
    assert.equal(t.lastRequestHex(), hex('20000000 1100 0500 00000000 00000000', '00000000 05000000 00000000 00000000'));
    assert.equal(asyncSends, 1);
  });

  it('gets a link by name and by index: RTM_GETLINK, decoded reply', async () => {
    const { h, t } = fakeHandle();
    answerGetLink(t, BR0);
    const byName = await linkByName(h, 'br0');
    assert.equal(t.lastRequestHex(), hex('28000000 1200 0500 00000000 00000000', '00000000 00000000 00000000 00000000', '0800 0300 62723000'));
    const byIndex = await linkByIndex(h, 2);
    assert.equal(t.lastRequestHex(), hex('20000000 1200 0500 00000000 00000000', '00000000 02000000 00000000 00000000'));
    assert.equal(byName.kind, 'bridge');
    assert.deepEqual(byIndex, byName);
  });

  it('turns ENODEV into LinkNotFoundError, for gets, sets and deletes', async () => {
    const { h, t } = fakeHandle();
    t.respond = (_req, seq) => [ackMessage(seq, ERRNO.ENODEV)];
    await assert.rejects(linkByName(h, 'nope'), (err: unknown) => err instanceof LinkNotFoundError && err.link === 'nope' && /"nope" not found/.test(err.message));
    await assert.rejects(linkByIndex(h, 99), (err: unknown) => isLinkNotFound(err) && (err as LinkNotFoundError).link === 99);
    await assert.rejects(linkSetUp(h, 99), LinkNotFoundError);
    await assert.rejects(linkDel(h, 'nope'), (err: unknown) => isLinkNotFound(err) && (err as Error).cause instanceof NetlinkError);
  });

  it('surfaces EEXIST from linkAdd as a NetlinkError with code EEXIST', async () => {
    const { h, t } = fakeHandle();
    t.respond = (_req, seq) => [ackMessage(seq, ERRNO.EEXIST)];
    await assert.rejects(linkAdd(h, { kind: 'bridge', name: 'br0' }), (err: unknown) =>
      err instanceof NetlinkError && err.code === 'EEXIST' && err.message === 'RTM_NEWLINK "br0" type bridge: EEXIST');
  });

  it('lists links with an RTM_GETLINK dump', async () => {
    const { h, t } = fakeHandle();
    t.respond = (_req, seq) => [Buffer.concat([replyMessage(RTM_NEWLINK, NLM_F_MULTI, seq, LO), replyMessage(RTM_NEWLINK, NLM_F_MULTI, seq, BR0)]), doneMessage(seq)];
    const links = await linkList(h);
    assert.equal(t.lastRequestHex(), hex('20000000 1200 0103 00000000 00000000', '00000000 00000000 00000000 00000000')); // REQUEST|DUMP
    assert.deepEqual(links.map((l) => [l.index, l.name, l.kind]), [[1, 'lo', 'device'], [2, 'br0', 'bridge']]);
  });

  it('creates a link straight into another netns and enslaved, with IFLA_NET_NS_FD and IFLA_MASTER (golden bytes)', async () => {
    const { h, t } = fakeHandle();
    await linkAdd(h, { kind: 'bridge', name: 'b', mtu: 1400, hardwareAddr: '02:00:00:00:00:0a', txQueueLen: 0, masterIndex: 3, netnsFd: 11 });
    assert.equal(t.lastRequestHex(), hex(
      '64000000 1000 0506 00000000 00000000', // 100 bytes
      '00000000 00000000 00000000 00000000',
      '0600 0300 6200 0000', //           IFLA_IFNAME "b\0"
      '0800 0400 78050000', //            IFLA_MTU 1400
      '0a00 0100 02000000000a 0000', //   IFLA_ADDRESS
      '0800 0a00 03000000', //            IFLA_MASTER 3
      '0800 0d00 00000000', //            IFLA_TXQLEN 0
      '0800 1c00 0b000000', //            IFLA_NET_NS_FD 11
      '1000 1200 0b00 0100 6272696467650000', // IFLA_LINKINFO { IFLA_INFO_KIND "bridge\0" }
    ));
  });
});
