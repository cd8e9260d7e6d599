import assert from 'node:assert/strict';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import {
  decodeNeigh, neighAdd, neighAppend, neighDel, neighList, neighSet, NTF_MASTER, NTF_SELF, NUD_NOARP,
  NUD_PERMANENT, NUD_REACHABLE,
} from '../../../../lib/netlink/neigh';
import { AF_BRIDGE, AF_INET, AF_INET6, NLM_F_MULTI, RTM_NEWNEIGH } from '../../../../lib/netlink/nl/constants';
import { FakeTransport, bytes, doneMessage, hex, replyMessage } from '../../../helpers/fake-transport';

describe('lib/netlink/neigh', () => {
  let fake: FakeTransport;
  let h: NetlinkHandle;
  beforeEach(() => {
    fake = new FakeTransport();
    h = new NetlinkHandle(fake);
  });

  describe('encoding', () => {
    it('sets a permanent IPv4 neighbour with CREATE|REPLACE', async () => {
      await neighSet(h, { index: 5, ip: '10.244.2.0', mac: 'aa:bb:cc:dd:ee:01' });
      assert.equal(fake.lastRequestHex(), hex(`
        30000000 1c00 0505 00000000 00000000  // RTM_NEWNEIGH 28, REQUEST|ACK|REPLACE|CREATE
        02 00 0000 | 05000000 | 8000 00 00    // ndmsg: AF_INET, ifindex 5, NUD_PERMANENT, flags 0, type 0
        0800 0100 | 0af40200                  // NDA_DST 10.244.2.0
        0a00 0200 | aabbccddee01 0000         // NDA_LLADDR, padded`));
    });

    it('appends an all-zero-MAC FDB entry: AF_BRIDGE, NTF_SELF by default, NLM_F_APPEND', async () => {
      await neighAppend(h, { index: 7, mac: '00:00:00:00:00:00', dst: '192.0.2.2' });
      assert.equal(fake.lastRequestHex(), hex(`
        30000000 1c00 050c 00000000 00000000  // REQUEST|ACK|CREATE|APPEND
        07 00 0000 | 07000000 | 8000 02 00    // AF_BRIDGE, ifindex 7, NUD_PERMANENT, NTF_SELF
        0800 0100 | c0000202                  // NDA_DST: the remote VTEP
        0a00 0200 | 000000000000 0000`));
    });

    it('replaces a vxlan FDB entry with a VNI and a big-endian port', async () => {
      await neighSet(h, { index: 7, mac: 'aa:bb:cc:00:00:01', dst: '192.0.2.3', vni: 4242, port: 4789 });
      assert.equal(fake.lastRequestHex(), hex(`
        40000000 1c00 0505 00000000 00000000
        07 00 0000 | 07000000 | 8000 02 00
        0800 0100 | c0000203
        0a00 0200 | aabbcc000001 0000
        0600 0600 | 12b5 0000                 // NDA_PORT 4789, network order
        0800 0700 | 92100000                  // NDA_VNI 4242`));
    });

    it('adds a bridge-master entry with a VLAN and EXCL, keeping the given flags and state', async () => {
      await neighAdd(h, { index: 4, family: AF_BRIDGE, mac: '02:00:00:00:00:09', flags: NTF_MASTER, state: NUD_NOARP, vlan: 10, master: 3 });
      assert.equal(fake.lastRequestHex(), hex(`
        38000000 1c00 0506 00000000 00000000  // REQUEST|ACK|EXCL|CREATE
        07 00 0000 | 04000000 | 4000 04 00    // NUD_NOARP, NTF_MASTER only
        0a00 0200 | 020000000009 0000
        0600 0500 | 0a00 0000                 // NDA_VLAN 10
        0800 0900 | 03000000                  // NDA_MASTER 3`));
    });

    it('deletes an IPv6 neighbour', async () => {
      await neighDel(h, { index: 2, ip: 'fd00::5' });
      assert.equal(fake.lastRequestHex(), hex(`
        30000000 1d00 0500 00000000 00000000  // RTM_DELNEIGH 29, REQUEST|ACK
        0a 00 0000 | 02000000 | 8000 00 00
        1400 0100 | fd000000 00000000 00000000 00000005`));
    });

    it('dumps the FDB with a bare ndmsg', async () => {
      fake.respond = (_req, seq) => [doneMessage(seq)];
      await neighList(h, { family: AF_BRIDGE });
      assert.equal(fake.lastRequestHex(), hex(`
        1c000000 1e00 0103 00000000 00000000  // RTM_GETNEIGH 30, REQUEST|DUMP
        07 00 0000 | 00000000 | 0000 00 00`));
    });

    it('refuses mixed-up addresses before sending', async () => {
      await assert.rejects(neighSet(h, { index: 1, family: AF_BRIDGE, ip: '10.0.0.1', mac: '02:00:00:00:00:01' }), /dst/);
      await assert.rejects(neighSet(h, { index: 1, ip: '10.0.0.1', dst: '192.0.2.1', mac: '02:00:00:00:00:01' }), /AF_BRIDGE/);
      await assert.rejects(neighSet(h, { index: 1, family: AF_INET6, ip: '10.0.0.1' }), /family/);
      await assert.rejects(neighSet(h, { index: 1, family: AF_INET, mac: '02:00:00:00:00:01' }), /needs its ip/);
      assert.equal(fake.sent.length, 0);
    });
  });

  describe('decoding', () => {
    const fdb = bytes(`
      07 00 0000 | 07000000 | 8000 02 00
      0a00 0200 | 000000000000 0000
      0800 0100 | c0000202
      0600 0600 | 12b5 0000
      0800 0700 | 2a000000`);
    const port = bytes(`
      07 00 0000 | 04000000 | 4000 04 00
      0a00 0200 | 020000000009 0000
      0600 0500 | 0a00 0000
      0800 0900 | 03000000`);
    const arp = bytes(`
      02 00 0000 | 05000000 | 0200 00 01
      0800 0100 | 0af40200
      0a00 0200 | aabbccddee01 0000`);

    it('decodes dst/vni/port for FDB entries and ip for neighbours', () => {
      assert.deepEqual(decodeNeigh(fdb), {
        family: AF_BRIDGE, index: 7, state: NUD_PERMANENT, flags: NTF_SELF, type: 0,
        mac: '00:00:00:00:00:00', dst: '192.0.2.2', port: 4789, vni: 42,
      });
      assert.deepEqual(decodeNeigh(port), {
        family: AF_BRIDGE, index: 4, state: NUD_NOARP, flags: NTF_MASTER, type: 0, mac: '02:00:00:00:00:09', vlan: 10, master: 3,
      });
      assert.deepEqual(decodeNeigh(arp), {
        family: AF_INET, index: 5, state: NUD_REACHABLE, flags: 0, type: 1, ip: '10.244.2.0', mac: 'aa:bb:cc:dd:ee:01',
      });
    });

    it('lists the dump of one family, filtered by link and bridge', async () => {
      fake.respond = (_req, seq) => [
        Buffer.concat([fdb, port, arp].map((b) => replyMessage(RTM_NEWNEIGH, NLM_F_MULTI, seq, b, fake.portId))),
        doneMessage(seq),
      ];
      assert.deepEqual((await neighList(h, { family: AF_BRIDGE })).map((n) => n.index), [7, 4]);
      assert.deepEqual((await neighList(h, { family: AF_BRIDGE, index: 7 })).map((n) => n.dst), ['192.0.2.2']);
      assert.deepEqual((await neighList(h, { family: AF_BRIDGE, master: 3 })).map((n) => n.mac), ['02:00:00:00:00:09']);
      assert.deepEqual((await neighList(h, { family: AF_INET })).map((n) => n.ip), ['10.244.2.0']);
    });
  });
});
