import assert from 'node:assert/strict';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import {
  addrAdd, addrDel, addrList, addrReplace, decodeAddr, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFA_F_PERMANENT,
  INFINITY_LIFE_TIME,
} from '../../../../lib/netlink/addr';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../../../../lib/netlink/route';
import { AF_INET, AF_INET6, NLM_F_MULTI, RTM_NEWADDR } from '../../../../lib/netlink/nl/constants';
import { FakeTransport, bytes, doneMessage, hex, replyMessage } from '../../../helpers/fake-transport';

// nlmsghdr with seq and pid zeroed, as FakeTransport.lastRequestHex() reports it.
const NEWADDR_ADD = '1400 0506 00000000 00000000'; // RTM_NEWADDR 20, REQUEST|ACK|EXCL|CREATE
const NEWADDR_REPLACE = '1400 0505 00000000 00000000'; // RTM_NEWADDR 20, REQUEST|ACK|REPLACE|CREATE

describe('lib/netlink/addr', () => {
  let fake: FakeTransport;
  let h: NetlinkHandle;
  beforeEach(() => {
    fake = new FakeTransport();
    h = new NetlinkHandle(fake);
  });

  describe('encoding', () => {
    it('adds an IPv4 address with IFA_LOCAL and IFA_ADDRESS, as iproute2 does', async () => {
      await addrAdd(h, 3, { cidr: '10.1.2.3/24' });
      assert.equal(fake.lastRequestHex(), hex(`
        28000000 ${NEWADDR_ADD}
        02 18 00 00 | 03000000  // ifaddrmsg: AF_INET, /24, flags 0, scope universe, index 3
        0800 0200 | 0a010203  // IFA_LOCAL 10.1.2.3
        0800 0100 | 0a010203  // IFA_ADDRESS 10.1.2.3`));
    });

    it('puts nodad in ifa_flags and an IPv6 address in 16 bytes', async () => {
      await addrAdd(h, 5, { cidr: 'fd00::1/64', flags: IFA_F_NODAD });
      assert.equal(fake.lastRequestHex(), hex(`
        40000000 ${NEWADDR_ADD}
        0a 40 02 00 | 05000000  // AF_INET6, /64, IFA_F_NODAD, universe, index 5
        1400 0200 | fd000000 00000000 00000000 00000001
        1400 0100 | fd000000 00000000 00000000 00000001`));
    });

    it('moves flags above 0xff to IFA_FLAGS', async () => {
      await addrAdd(h, 5, { cidr: 'fd00::1/64', flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE });
      assert.equal(fake.lastRequestHex(), hex(`
        48000000 ${NEWADDR_ADD}
        0a 40 00 00 | 05000000  // the header holds no flag then
        1400 0200 | fd000000 00000000 00000000 00000001
        1400 0100 | fd000000 00000000 00000000 00000001
        0800 0800 | 02020000  // IFA_FLAGS NODAD|NOPREFIXROUTE`));
    });

    it('replaces with broadcast, label and lifetimes (struct ifa_cacheinfo)', async () => {
      await addrReplace(h, 7, {
        cidr: '192.168.5.1/24', broadcast: '192.168.5.255', label: 'eth0:1', validLft: 300, preferredLft: 120,
      });
      assert.equal(fake.lastRequestHex(), hex(`
        50000000 ${NEWADDR_REPLACE}
        02 18 00 00 | 07000000
        0800 0200 | c0a80501  // IFA_LOCAL
        0800 0100 | c0a80501  // IFA_ADDRESS
        0800 0400 | c0a805ff  // IFA_BROADCAST
        0b00 0300 | 65746830 3a3100 00  // IFA_LABEL "eth0:1\\0", padded
        1400 0600 | 78000000 2c010000 00000000 00000000  // prefered 120, valid 300`));
    });

    it('sends the peer as IFA_ADDRESS and scopes loopback addresses to the host', async () => {
      await addrAdd(h, 2, { cidr: '10.0.0.1/32', peer: '10.0.0.2' });
      assert.equal(fake.lastRequestHex(), hex(`
        28000000 ${NEWADDR_ADD}
        02 20 00 00 | 02000000
        0800 0200 | 0a000001
        0800 0100 | 0a000002`));
      await addrAdd(h, 1, { cidr: '127.0.0.2/8' });
      assert.equal(fake.lastRequestHex().slice(32, 48), hex(`02 08 00 fe | 01000000`));
      await addrAdd(h, 1, { cidr: '10.9.0.1/8', scope: RT_SCOPE_LINK });
      assert.equal(fake.lastRequestHex().slice(32, 40), hex(`02 08 00 fd`));
    });

    it('deletes with scope 0 and no create flags', async () => {
      await addrDel(h, 3, '10.1.2.3/24');
      assert.equal(fake.lastRequestHex(), hex(`
        28000000 1500 0500 00000000 00000000  // RTM_DELADDR 21, REQUEST|ACK
        02 18 00 00 | 03000000
        0800 0200 | 0a010203
        0800 0100 | 0a010203`));
    });

    it('dumps with an ifaddrmsg of the requested family', async () => {
      fake.respond = (_req, seq) => [doneMessage(seq)];
      await addrList(h, { family: AF_INET6 });
      assert.equal(fake.lastRequestHex(), hex(`
        18000000 1600 0103 00000000 00000000  // RTM_GETADDR 22, REQUEST|DUMP
        0a 00 00 00 | 00000000`));
    });

    it('refuses what IPv6 does not have and inconsistent lifetimes', async () => {
      await assert.rejects(addrAdd(h, 1, { cidr: 'fd00::1/64', label: 'x' }), /only for IPv4/);
      await assert.rejects(addrAdd(h, 1, { cidr: 'fd00::1/64', peer: '10.0.0.1' }), /family/);
      await assert.rejects(addrAdd(h, 1, { cidr: '10.0.0.1/8', validLft: 10, preferredLft: 20 }), /greater/);
      await assert.rejects(addrAdd(h, 1, { cidr: '10.0.0.1' }), /prefix length/);
      assert.equal(fake.sent.length, 0);
    });
  });

  describe('decoding', () => {
    const v4 = bytes(`
      02 18 80 00 | 03000000  // AF_INET /24, PERMANENT, universe, index 3
      0800 0100 | 0a010203  // IFA_ADDRESS
      0800 0200 | 0a010203  // IFA_LOCAL
      0800 0400 | 0a0102ff  // IFA_BROADCAST
      0700 0300 | 763000 00  // IFA_LABEL "v0"
      0800 0800 | 80000000  // IFA_FLAGS
      1400 0600 | ffffffff ffffffff 10000000 10000000`);
    const v6 = bytes(`
      0a 40 82 fd | 04000000  // AF_INET6 /64, low flag bits, link scope, index 4
      1400 0100 | fe800000 00000000 00000000 00000001
      0800 0800 | 82020000  // IFA_FLAGS NODAD|PERMANENT|NOPREFIXROUTE
      1400 0600 | 78000000 2c010000 10000000 10000000`);
    const peer = bytes(`
      02 20 80 00 | 09000000
      0800 0100 | 0a000002  // IFA_ADDRESS: the peer
      0800 0200 | 0a000001  // IFA_LOCAL`);

    it('decodes IPv4, IPv6 and point-to-point addresses', () => {
      assert.deepEqual(decodeAddr(v4), {
        family: AF_INET, index: 3, prefixLen: 24, cidr: '10.1.2.3/24', local: '10.1.2.3', address: '10.1.2.3',
        broadcast: '10.1.2.255', label: 'v0', scope: 0, flags: IFA_F_PERMANENT,
        validLft: INFINITY_LIFE_TIME, preferredLft: INFINITY_LIFE_TIME,
      });
      assert.deepEqual(decodeAddr(v6), {
        family: AF_INET6, index: 4, prefixLen: 64, cidr: 'fe80::1/64', address: 'fe80::1', scope: RT_SCOPE_LINK,
        flags: IFA_F_NODAD | IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE, validLft: 300, preferredLft: 120,
      });
      assert.deepEqual(decodeAddr(peer), {
        family: AF_INET, index: 9, prefixLen: 32, cidr: '10.0.0.1/32', local: '10.0.0.1', address: '10.0.0.2',
        peer: '10.0.0.2', scope: 0, flags: IFA_F_PERMANENT,
      });
      assert.equal(decodeAddr(bytes('02 08 80 fe | 01000000 0800 0200 | 7f000001')).scope, RT_SCOPE_HOST);
    });

    it('lists a multipart dump, filtered by link index', async () => {
      fake.respond = (_req, seq) => [
        Buffer.concat([v4, v6, peer].map((b) => replyMessage(RTM_NEWADDR, NLM_F_MULTI, seq, b, fake.portId))),
        doneMessage(seq),
      ];
      assert.deepEqual((await addrList(h)).map((a) => a.cidr), ['10.1.2.3/24', 'fe80::1/64', '10.0.0.1/32']);
      assert.deepEqual((await addrList(h, { index: 4 })).map((a) => a.cidr), ['fe80::1/64']);
    });
  });
});
