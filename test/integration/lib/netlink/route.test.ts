import assert from 'node:assert/strict';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import {
  routeAdd, routeDel, routeGet, routeList, routeReplace, RTN_BLACKHOLE, RTPROT_BOOT, RTPROT_STATIC, RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
} from '../../../../lib/netlink/route';
import { AF_INET, AF_INET6 } from '../../../../lib/netlink/nl/constants';
import { ip, ipJson, useNetnsPair } from '../../../helpers/netns';

/** Every route of one family in every table, as `ip -j -d route show table all` reports it. */
function routes(ns: string, family: '-4' | '-6' = '-4'): any[] {
  return ipJson(ns, family, 'route', 'show', 'table', 'all');
}
function routeTo(ns: string, dst: string, family: '-4' | '-6' = '-4'): any[] {
  return routes(ns, family).filter((r) => r.dst === dst);
}

describe('lib/netlink/route (kernel)', () => {
  const ns = useNetnsPair();
  let h: NetlinkHandle;
  let v0: number;

  beforeEach(() => {
    ip(ns.host.name, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip(ns.host.name, 'link', 'set', 'v0', 'up');
    ip(ns.host.name, 'link', 'set', 'v1', 'up');
    ip(ns.host.name, 'addr', 'add', '10.1.0.1/24', 'dev', 'v0');
    ip(ns.host.name, 'addr', 'add', 'fd00::1/64', 'dev', 'v0', 'nodad');
    v0 = ipJson(ns.host.name, 'link', 'show', 'v0')[0].ifindex;
    h = NetlinkHandle.open(ns.host);
  });
  afterEach(() => h?.close());

  it('adds a gateway route, refuses it twice with EEXIST, replaces it, deletes it, then ESRCH', async () => {
    await routeAdd(h, { dst: '10.2.0.0/16', gw: '10.1.0.2', index: v0 });
    assert.deepEqual(routeTo(ns.host.name, '10.2.0.0/16').map((r) => [r.gateway, r.dev, r.table, r.scope, r.protocol]), [
      ['10.1.0.2', 'v0', 'main', 'global', 'boot'],
    ]);

    const dup = await routeAdd(h, { dst: '10.2.0.0/16', gw: '10.1.0.2', index: v0 }).catch((e) => e);
    assert.equal(dup.code, 'EEXIST');
    assert.equal(dup.extack, undefined); // IPv4 fib says nothing more

    await routeReplace(h, { dst: '10.2.0.0/16', gw: '10.1.0.3', index: v0 });
    assert.deepEqual(routeTo(ns.host.name, '10.2.0.0/16').map((r) => r.gateway), ['10.1.0.3']);

    const [listed] = await routeList(h, { index: v0, family: AF_INET }).then((rs) => rs.filter((r) => r.dst === '10.2.0.0/16'));
    assert.deepEqual(listed, {
      family: AF_INET, dst: '10.2.0.0/16', gw: '10.1.0.3', index: v0, table: RT_TABLE_MAIN, scope: RT_SCOPE_UNIVERSE,
      protocol: RTPROT_BOOT, type: 1, flags: 0, onlink: false, tos: 0,
    });

    await routeDel(h, { dst: '10.2.0.0/16' });
    assert.deepEqual(routeTo(ns.host.name, '10.2.0.0/16'), []);
    const gone = await routeDel(h, { dst: '10.2.0.0/16' }).catch((e) => e);
    assert.equal(gone.code, 'ESRCH');
  });

  it('needs onlink for a gateway outside every connected subnet (ENETUNREACH otherwise)', async () => {
    const err = await routeAdd(h, { dst: '10.244.2.0/24', gw: '10.244.2.0', index: v0 }).catch((e) => e);
    assert.equal(err.code, 'ENETUNREACH');
    assert.equal(err.extack, 'Nexthop has invalid gateway');
    assert.deepEqual(routeTo(ns.host.name, '10.244.2.0/24'), []);

    await routeReplace(h, { dst: '10.244.2.0/24', gw: '10.244.2.0', index: v0, onlink: true });
    assert.deepEqual(routeTo(ns.host.name, '10.244.2.0/24').map((r) => [r.gateway, r.dev, r.flags]), [
      ['10.244.2.0', 'v0', ['onlink']],
    ]);
    const listed = (await routeList(h)).find((r) => r.dst === '10.244.2.0/24');
    assert.equal(listed?.onlink, true);

    // IPv6 says it differently: EHOSTUNREACH, with no extended ack.
    const err6 = await routeAdd(h, { dst: 'fd02::/64', gw: 'fd09::2', index: v0 }).catch((e) => e);
    assert.equal(err6.code, 'EHOSTUNREACH');
    await routeAdd(h, { dst: 'fd02::/64', gw: 'fd09::2', index: v0, onlink: true });
    assert.deepEqual(routeTo(ns.host.name, 'fd02::/64', '-6').map((r) => [r.gateway, r.flags]), [['fd09::2', ['onlink']]]);
  });

  it('sets table (above 255), metric, prefsrc, protocol and the mtu/advmss metrics', async () => {
    await routeAdd(h, {
      dst: '10.3.0.0/24', gw: '10.1.0.2', index: v0, table: 1000, priority: 50, src: '10.1.0.1',
      protocol: RTPROT_STATIC, metrics: { mtu: 1400, advmss: 1360 },
    });
    assert.deepEqual(routeTo(ns.host.name, '10.3.0.0/24').map((r) => [r.table, r.metric, r.prefsrc, r.protocol, r.metrics]), [
      ['1000', 50, '10.1.0.1', 'static', [{ mtu: 1400, advmss: 1360 }]],
    ]);
    assert.deepEqual(await routeList(h, { family: AF_INET }).then((rs) => rs.map((r) => r.dst)), ['10.1.0.0/24']);
    const [listed] = await routeList(h, { table: 1000 });
    assert.deepEqual([listed.table, listed.priority, listed.src, listed.protocol, listed.metrics], [
      1000, 50, '10.1.0.1', RTPROT_STATIC, { mtu: 1400, advmss: 1360 },
    ]);
    // Same destination, other metric: a second route, not a duplicate.
    await routeAdd(h, { dst: '10.3.0.0/24', gw: '10.1.0.2', index: v0, table: 1000, priority: 60 });
    assert.deepEqual(routeTo(ns.host.name, '10.3.0.0/24').map((r) => r.metric), [50, 60]);
    // Deleting needs the table: the main table has no such route.
    assert.equal((await routeDel(h, { dst: '10.3.0.0/24' }).catch((e) => e)).code, 'ESRCH');
    await routeDel(h, { dst: '10.3.0.0/24', table: 1000, priority: 60 });
    assert.deepEqual(routeTo(ns.host.name, '10.3.0.0/24').map((r) => r.metric), [50]);
  });

  it('adds a device route with link scope and a default route', async () => {
    await routeAdd(h, { dst: '10.4.0.0/24', index: v0 });
    await routeAdd(h, { dst: 'default', gw: '10.1.0.254' });
    assert.deepEqual(routeTo(ns.host.name, '10.4.0.0/24').map((r) => [r.dev, r.scope]), [['v0', 'link']]);
    assert.deepEqual(routeTo(ns.host.name, 'default').map((r) => [r.gateway, r.dev]), [['10.1.0.254', 'v0']]);
    const listed = await routeList(h, { family: AF_INET });
    assert.equal(listed.find((r) => r.dst === '10.4.0.0/24')?.scope, RT_SCOPE_LINK);
    assert.equal(listed.find((r) => r.dst === 'default')?.gw, '10.1.0.254');
  });

  it('handles IPv6 routes: gateway, default, blackhole, replace, EEXIST and ESRCH', async () => {
    await routeAdd(h, { dst: 'fd01::/64', gw: 'fd00::2', index: v0, priority: 10, metrics: { mtu: 1300 } });
    assert.deepEqual(routeTo(ns.host.name, 'fd01::/64', '-6').map((r) => [r.gateway, r.dev, r.metric, r.metrics]), [
      ['fd00::2', 'v0', 10, [{ mtu: 1300 }]],
    ]);
    assert.deepEqual((await routeList(h, { family: AF_INET6 })).find((r) => r.dst === 'fd01::/64')?.metrics, { mtu: 1300 });
    const dup = await routeAdd(h, { dst: 'fd01::/64', gw: 'fd00::2', index: v0, priority: 10 }).catch((e) => e);
    assert.equal(dup.code, 'EEXIST');
    // Replace swaps the whole route: the metrics not given again are gone.
    await routeReplace(h, { dst: 'fd01::/64', gw: 'fd00::3', index: v0, priority: 10 });
    assert.deepEqual(routeTo(ns.host.name, 'fd01::/64', '-6').map((r) => [r.gateway, r.metrics]), [['fd00::3', undefined]]);

    await routeAdd(h, { dst: 'default', gw: 'fe80::1', index: v0 });
    await routeAdd(h, { dst: 'fd02::/48', type: RTN_BLACKHOLE });
    assert.deepEqual(routeTo(ns.host.name, 'default', '-6').map((r) => [r.gateway, r.dev]), [['fe80::1', 'v0']]);
    assert.deepEqual(routeTo(ns.host.name, 'fd02::/48', '-6').map((r) => r.type), ['blackhole']);

    const listed = await routeList(h, { family: AF_INET6 });
    assert.equal(listed.find((r) => r.dst === 'fd01::/64')?.gw, 'fd00::3');
    assert.equal(listed.find((r) => r.dst === 'default')?.gw, 'fe80::1');
    assert.equal(listed.find((r) => r.dst === 'fd02::/48')?.type, RTN_BLACKHOLE);

    await routeDel(h, { dst: 'fd01::/64', priority: 10 });
    assert.deepEqual(routeTo(ns.host.name, 'fd01::/64', '-6'), []);
    assert.equal((await routeDel(h, { dst: 'fd01::/64' }).catch((e) => e)).code, 'ESRCH');
  });

  it('asks the kernel which route it would use (routeGet)', async () => {
    await routeAdd(h, { dst: '10.2.0.0/16', gw: '10.1.0.2', index: v0 });
    const got = await routeGet(h, '10.2.3.4');
    assert.deepEqual([got.dst, got.gw, got.index, got.src, got.table], ['10.2.3.4/32', '10.1.0.2', v0, '10.1.0.1', RT_TABLE_MAIN]);
    const onLink = await routeGet(h, '10.1.0.77');
    assert.deepEqual([onLink.gw, onLink.index, onLink.src], [undefined, v0, '10.1.0.1']);
    const v6 = await routeGet(h, 'fd00::42');
    assert.deepEqual([v6.family, v6.dst, v6.index], [AF_INET6, 'fd00::42/128', v0]);
    const err = await routeGet(h, '192.0.2.1').catch((e) => e);
    assert.equal(err.code, 'ENETUNREACH');
  });
});
