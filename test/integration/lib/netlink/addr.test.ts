import assert from 'node:assert/strict';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import {
  addrAdd, addrDel, addrList, addrReplace, IFA_F_NODAD, IFA_F_NOPREFIXROUTE, IFA_F_PERMANENT, IFA_F_TENTATIVE,
} from '../../../../lib/netlink/addr';
import { AF_INET, AF_INET6 } from '../../../../lib/netlink/nl/constants';
import { RT_SCOPE_HOST, RT_SCOPE_LINK } from '../../../../lib/netlink/route';
import { ip, ipJson, useNetnsPair } from '../../../helpers/netns';

/** The addr_info of one link as `ip -j addr show dev` reports it. */
function addrInfo(ns: string, dev: string): any[] {
  return ipJson(ns, 'addr', 'show', 'dev', dev)[0].addr_info;
}

describe('lib/netlink/addr (kernel)', () => {
  const ns = useNetnsPair();
  let h: NetlinkHandle;
  let v0: number;

  beforeEach(() => {
    ip(ns.host.name, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip(ns.host.name, 'link', 'set', 'v0', 'up');
    ip(ns.host.name, 'link', 'set', 'v1', 'up');
    v0 = ipJson(ns.host.name, 'link', 'show', 'v0')[0].ifindex;
    h = NetlinkHandle.open(ns.host);
  });
  afterEach(() => h?.close());

  it('adds an IPv4 address, refuses it twice with EEXIST, deletes it, then EADDRNOTAVAIL', async () => {
    await addrAdd(h, v0, { cidr: '10.1.0.1/24' });
    const info = addrInfo(ns.host.name, 'v0').filter((a) => a.family === 'inet');
    assert.deepEqual(info.map((a) => [a.local, a.prefixlen, a.scope, a.label, a.broadcast]), [['10.1.0.1', 24, 'global', 'v0', undefined]]);

    const dup = await addrAdd(h, v0, { cidr: '10.1.0.1/24' }).catch((e) => e);
    assert.equal(dup.code, 'EEXIST');
    assert.equal(dup.extack, 'ipv4: Address already assigned');

    const [listed] = await addrList(h, { index: v0, family: AF_INET });
    assert.deepEqual(listed, {
      family: AF_INET, index: v0, prefixLen: 24, cidr: '10.1.0.1/24', local: '10.1.0.1', address: '10.1.0.1',
      label: 'v0', scope: 0, flags: IFA_F_PERMANENT, validLft: 0xffffffff, preferredLft: 0xffffffff,
    });

    await addrDel(h, v0, '10.1.0.1/24');
    assert.deepEqual(addrInfo(ns.host.name, 'v0').filter((a) => a.family === 'inet'), []);
    const gone = await addrDel(h, v0, '10.1.0.1/24').catch((e) => e);
    assert.equal(gone.code, 'EADDRNOTAVAIL');
    assert.equal(gone.extack, 'ipv4: Address not found');
  });

  it('sets broadcast, label, scope and a point-to-point peer', async () => {
    await addrAdd(h, v0, { cidr: '10.1.0.1/24', broadcast: '10.1.0.255', label: 'v0:web' });
    await addrAdd(h, v0, { cidr: '10.7.0.1/32', peer: '10.7.0.2' });
    await addrAdd(h, v0, { cidr: '10.8.0.1/16', scope: RT_SCOPE_LINK });
    // The kernel keeps IPv4 addresses ordered by scope, so compare them sorted.
    const info = addrInfo(ns.host.name, 'v0').filter((a) => a.family === 'inet').sort((a, b) => a.local.localeCompare(b.local));
    assert.deepEqual(info.map((a) => [a.local, a.address, a.prefixlen, a.broadcast, a.label, a.scope]), [
      ['10.1.0.1', undefined, 24, '10.1.0.255', 'v0:web', 'global'],
      ['10.7.0.1', '10.7.0.2', 32, undefined, 'v0', 'global'],
      ['10.8.0.1', undefined, 16, undefined, 'v0', 'link'],
    ]);
    const listed = (await addrList(h, { index: v0, family: AF_INET })).sort((a, b) => a.cidr.localeCompare(b.cidr));
    assert.deepEqual(listed.map((a) => [a.cidr, a.peer, a.broadcast, a.label, a.scope]), [
      ['10.1.0.1/24', undefined, '10.1.0.255', 'v0:web', 0],
      ['10.7.0.1/32', '10.7.0.2', undefined, 'v0', 0],
      ['10.8.0.1/16', undefined, undefined, 'v0', RT_SCOPE_LINK],
    ]);
    // A peer address is found by its peer: without it the kernel reports it missing.
    assert.equal((await addrDel(h, v0, '10.7.0.1/32').catch((e) => e)).code, 'EADDRNOTAVAIL');
    await addrDel(h, v0, '10.7.0.1/32', { peer: '10.7.0.2' });
    assert.equal(addrInfo(ns.host.name, 'v0').some((a) => a.local === '10.7.0.1'), false);
  });

  it('adds a loopback address with host scope by default', async () => {
    const lo = ipJson(ns.host.name, 'link', 'show', 'lo')[0].ifindex;
    await addrAdd(h, lo, { cidr: '127.0.0.2/8' });
    const info = addrInfo(ns.host.name, 'lo').find((a) => a.local === '127.0.0.2');
    assert.equal(info.scope, 'host');
    assert.equal((await addrList(h, { index: lo })).find((a) => a.local === '127.0.0.2')?.scope, RT_SCOPE_HOST);
  });

  it('adds IPv6 addresses: nodad skips the tentative state, noprefixroute skips the route', async () => {
    await addrAdd(h, v0, { cidr: 'fd00::1/64', flags: IFA_F_NODAD });
    await addrAdd(h, v0, { cidr: 'fd00::9/64' });
    await addrAdd(h, v0, { cidr: 'fd01::1/64', flags: IFA_F_NODAD | IFA_F_NOPREFIXROUTE });
    const info = addrInfo(ns.host.name, 'v0').filter((a) => a.family === 'inet6' && a.scope === 'global');
    const byLocal = new Map(info.map((a) => [a.local, a]));
    assert.equal(byLocal.get('fd00::1').nodad, true);
    assert.equal(byLocal.get('fd00::1').tentative, undefined);
    assert.equal(byLocal.get('fd00::9').tentative, true); // the control: DAD is running on it
    assert.equal(byLocal.get('fd01::1').noprefixroute, true);
    const routes = ipJson(ns.host.name, '-6', 'route', 'show', 'table', 'all').map((r: any) => r.dst);
    assert.ok(routes.includes('fd00::/64'));
    assert.ok(!routes.includes('fd01::/64'));

    const listed = new Map((await addrList(h, { index: v0, family: AF_INET6 })).map((a) => [a.cidr, a]));
    assert.equal(listed.get('fd00::1/64')!.flags & (IFA_F_NODAD | IFA_F_TENTATIVE), IFA_F_NODAD);
    assert.equal(listed.get('fd00::9/64')!.flags & IFA_F_TENTATIVE, IFA_F_TENTATIVE);
    assert.equal(listed.get('fd01::1/64')!.flags & IFA_F_NOPREFIXROUTE, IFA_F_NOPREFIXROUTE); // a bit above 0xff
    assert.equal(listed.get('fd00::1/64')!.address, 'fd00::1');

    const dup = await addrAdd(h, v0, { cidr: 'fd00::1/64', flags: IFA_F_NODAD }).catch((e) => e);
    assert.equal(dup.code, 'EEXIST');
    assert.equal(dup.extack, 'ipv6: address already assigned');
    await addrDel(h, v0, 'fd00::1/64');
    assert.equal(addrInfo(ns.host.name, 'v0').some((a) => a.local === 'fd00::1'), false);
    const gone = await addrDel(h, v0, 'fd00::1/64').catch((e) => e);
    assert.equal(gone.code, 'EADDRNOTAVAIL');
    assert.equal(gone.extack, 'ipv6: address not found');
  });

  it('replaces an address in place, changing its lifetimes', async () => {
    await addrAdd(h, v0, { cidr: '10.1.0.1/24' });
    await addrReplace(h, v0, { cidr: '10.1.0.1/24', validLft: 300, preferredLft: 120 });
    const info = addrInfo(ns.host.name, 'v0').filter((a) => a.family === 'inet');
    assert.equal(info.length, 1);
    assert.ok(info[0].valid_life_time <= 300 && info[0].valid_life_time > 250, `valid ${info[0].valid_life_time}`);
    assert.ok(info[0].preferred_life_time <= 120 && info[0].preferred_life_time > 70);
    assert.equal(info[0].dynamic, true);
    const [listed] = await addrList(h, { index: v0, family: AF_INET });
    assert.equal(listed.flags & IFA_F_PERMANENT, 0);
    assert.ok(listed.validLft! <= 300);
    // replace also creates
    await addrReplace(h, v0, { cidr: '10.2.0.1/24' });
    assert.ok(addrInfo(ns.host.name, 'v0').some((a) => a.local === '10.2.0.1'));
  });

  it('reports a missing link as ENODEV', async () => {
    const err = await addrAdd(h, 9999, { cidr: '10.1.0.1/24' }).catch((e) => e);
    assert.equal(err.code, 'ENODEV');
    assert.match(err.message, /addr add 10\.1\.0\.1\/24 dev #9999/);
  });
});
