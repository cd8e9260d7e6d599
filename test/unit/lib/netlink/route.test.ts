import assert from 'node:assert/strict';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import {
  decodeRoute, routeAdd, routeDel, routeGet, routeList, routeReplace, RTNH_F_ONLINK, RTM_F_CLONED, RTN_BLACKHOLE,
  RTN_UNICAST, RTPROT_BOOT, RTPROT_KERNEL, RT_SCOPE_HOST, RT_SCOPE_UNIVERSE, RT_TABLE_LOCAL, RT_TABLE_MAIN,
} from '../../../../lib/netlink/route';
import { AF_INET, AF_INET6, NLM_F_MULTI, RTM_NEWROUTE } from '../../../../lib/netlink/nl/constants';
import { FakeTransport, bytes, ackMessage, doneMessage, hex, replyMessage } from '../../../helpers/fake-transport';

// nlmsghdr after the length, seq and pid zeroed.
const NEWROUTE_ADD = '1800 0506 00000000 00000000'; // RTM_NEWROUTE 24, REQUEST|ACK|EXCL|CREATE
const NEWROUTE_REPLACE = '1800 0505 00000000 00000000'; // REQUEST|ACK|REPLACE|CREATE

describe('lib/netlink/route', () => {
  let fake: FakeTransport;
  let h: NetlinkHandle;
  beforeEach(() => {
    fake = new FakeTransport();
    h = new NetlinkHandle(fake);
  });

  describe('encoding', () => {
    it('adds a gateway route in the main table, protocol boot, scope universe', async () => {
      await routeAdd(h, { dst: '10.2.0.0/16', gw: '10.1.0.1', index: 4 });
      assert.equal(fake.lastRequestHex(), hex(`
        34000000 ${NEWROUTE_ADD}
        02 10 00 00 fe 03 00 01 | 00000000  // rtmsg: AF_INET /16, src 0, tos 0, main, boot, universe, unicast
        0800 0100 | 0a020000                // RTA_DST
        0800 0500 | 0a010001                // RTA_GATEWAY
        0800 0400 | 04000000                // RTA_OIF 4`));
    });

    it('replaces with onlink, a table above 255, metric, prefsrc and metrics', async () => {
      await routeReplace(h, {
        dst: '10.3.0.0/24', gw: '10.9.9.9', index: 6, onlink: true, table: 1000, priority: 100, src: '10.1.0.2',
        metrics: { mtu: 1400, advmss: 1360 },
      });
      assert.equal(fake.lastRequestHex(), hex(`
        60000000 ${NEWROUTE_REPLACE}
        02 18 00 00 00 03 00 01 | 04000000  // rtm_table RT_TABLE_UNSPEC, rtm_flags RTNH_F_ONLINK
        0800 0100 | 0a030000                // RTA_DST
        0800 0500 | 0a090909                // RTA_GATEWAY
        0800 0700 | 0a010002                // RTA_PREFSRC
        0800 0600 | 64000000                // RTA_PRIORITY 100
        0800 0f00 | e8030000                // RTA_TABLE 1000
        0800 0400 | 06000000                // RTA_OIF 6
        1400 0800                           // RTA_METRICS, 20 bytes
          0800 0200 | 78050000              //   RTAX_MTU 1400
          0800 0800 | 50050000              //   RTAX_ADVMSS 1360`));
    });

    it('gives a route without gateway the link scope, and IPv6 the universe scope', async () => {
      await routeAdd(h, { dst: '10.4.0.0/24', index: 2 });
      assert.equal(fake.lastRequestHex(), hex(`
        2c000000 ${NEWROUTE_ADD}
        02 18 00 00 fe 03 fd 01 | 00000000
        0800 0100 | 0a040000
        0800 0400 | 02000000`));
      await routeAdd(h, { dst: 'default', gw: 'fe80::1', index: 3 });
      assert.equal(fake.lastRequestHex(), hex(`
        38000000 ${NEWROUTE_ADD}
        0a 00 00 00 fe 03 00 01 | 00000000  // AF_INET6, default: dst_len 0 and no RTA_DST
        1400 0500 | fe800000 00000000 00000000 00000001
        0800 0400 | 03000000`));
      await routeAdd(h, { dst: 'default', family: AF_INET6, type: RTN_BLACKHOLE });
      assert.equal(fake.lastRequestHex(), hex(`1c000000 ${NEWROUTE_ADD} 0a 00 00 00 fe 03 00 06 | 00000000`));
    });

    it('deletes matching any type, protocol and scope (RT_SCOPE_NOWHERE)', async () => {
      await routeDel(h, { dst: '10.2.0.0/16' });
      assert.equal(fake.lastRequestHex(), hex(`
        24000000 1900 0500 00000000 00000000  // RTM_DELROUTE 25, REQUEST|ACK
        02 10 00 00 fe 00 ff 00 | 00000000
        0800 0100 | 0a020000`));
    });

    it('asks for one destination with RTM_GETROUTE and no ACK, as ip route get', async () => {
      fake.respond = (_req, seq) => [replyMessage(RTM_NEWROUTE, 0, seq, bytes(`
        02 20 00 00 fe 00 00 01 | 00020000
        0800 0f00 | fe000000
        0800 0100 | 0a020304
        0800 0400 | 02000000
        0800 0700 | 0a010002
        0800 0500 | 0a010001`), fake.portId)];
      const route = await routeGet(h, '10.2.3.4');
      assert.equal(fake.lastRequestHex(), hex(`
        24000000 1a00 0100 00000000 00000000  // RTM_GETROUTE 26, REQUEST
        02 20 00 00 00 00 00 00 | 00000000
        0800 0100 | 0a020304`));
      assert.deepEqual(route, {
        family: AF_INET, dst: '10.2.3.4/32', gw: '10.1.0.1', index: 2, src: '10.1.0.2', table: RT_TABLE_MAIN,
        scope: RT_SCOPE_UNIVERSE, protocol: 0, type: RTN_UNICAST, flags: RTM_F_CLONED, onlink: false, tos: 0,
      });
    });

    it('refuses a gateway of the other family before sending', async () => {
      await assert.rejects(routeAdd(h, { dst: '10.0.0.0/8', gw: 'fe80::1' }), /family/);
      await assert.rejects(routeAdd(h, { dst: 'default', family: AF_INET6, gw: '10.0.0.1' }), /family/);
      assert.equal(fake.sent.length, 0);
    });
  });

  describe('decoding', () => {
    const main = bytes(`
      02 18 00 00 fe 03 00 01 | 04000000   // /24 main boot universe unicast, onlink
      0800 0f00 | fe000000                 // RTA_TABLE 254
      0800 0100 | 0a030000
      0800 0600 | 64000000                 // RTA_PRIORITY 100
      0800 0500 | 0a090909
      0800 0400 | 06000000
      1400 0800 | 0800 0200 78050000 0800 0800 50050000`);
    const big = bytes(`
      0a 00 00 00 00 04 00 01 | 00000000   // IPv6 default in table 1000 (rtm_table 0)
      0800 0f00 | e8030000
      1400 0500 | fe800000 00000000 00000000 00000001
      0800 0400 | 03000000`);
    const local = bytes(`
      02 20 00 00 ff 02 fe 02 | 00000000   // local table, kernel, host, RTN_LOCAL
      0800 0f00 | ff000000
      0800 0100 | 0a010002
      0800 0700 | 0a010002
      0800 0400 | 02000000`);
    const cloned = bytes(`02 20 00 00 fe 00 00 01 | 00020000 0800 0100 | 0a0a0a0a`);

    it('decodes table, gateway, link, metric, onlink and metrics', () => {
      assert.deepEqual(decodeRoute(main), {
        family: AF_INET, dst: '10.3.0.0/24', gw: '10.9.9.9', index: 6, table: RT_TABLE_MAIN, scope: 0,
        protocol: RTPROT_BOOT, type: RTN_UNICAST, priority: 100, flags: RTNH_F_ONLINK, onlink: true, tos: 0,
        metrics: { mtu: 1400, advmss: 1360 },
      });
      assert.deepEqual(decodeRoute(big), {
        family: AF_INET6, dst: 'default', gw: 'fe80::1', index: 3, table: 1000, scope: 0, protocol: 4, type: 1,
        flags: 0, onlink: false, tos: 0,
      });
      assert.equal(decodeRoute(local).table, RT_TABLE_LOCAL);
      assert.equal(decodeRoute(local).protocol, RTPROT_KERNEL);
    });

    it('lists the main table by default, skipping cloned entries; filters by table and link', async () => {
      fake.respond = (_req, seq) => [
        Buffer.concat([main, big, local, cloned].map((b) => replyMessage(RTM_NEWROUTE, NLM_F_MULTI, seq, b, fake.portId))),
        doneMessage(seq),
      ];
      assert.deepEqual((await routeList(h)).map((r) => r.dst), ['10.3.0.0/24']);
      assert.equal(fake.lastRequestHex(), hex(`1c000000 1a00 0103 00000000 00000000 00 00 00 00 00 00 00 00 | 00000000`));
      assert.deepEqual((await routeList(h, { table: 'all' })).map((r) => r.dst), ['10.3.0.0/24', 'default', '10.1.0.2/32']);
      assert.deepEqual((await routeList(h, { table: 1000 })).map((r) => r.gw), ['fe80::1']);
      assert.deepEqual((await routeList(h, { table: 'all', index: 2 })).map((r) => r.scope), [RT_SCOPE_HOST]);
      await routeList(h, { family: AF_INET6 });
      assert.equal(fake.lastRequestHex().slice(32, 34), '0a');
    });

    it('names the errno and the route in a kernel refusal', async () => {
      fake.respond = (_req, seq) => [ackMessage(seq, 3 /* ESRCH */)];
      await assert.rejects(routeDel(h, { dst: '10.9.0.0/16' }), (err: any) => err.code === 'ESRCH' && /route del 10\.9\.0\.0\/16/.test(err.message));
    });
  });
});
