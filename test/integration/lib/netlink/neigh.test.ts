import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import {
  neighAdd, neighAppend, neighDel, neighList, neighSet, NTF_MASTER, NTF_SELF, NUD_NOARP, NUD_PERMANENT,
} from '../../../../lib/netlink/neigh';
import { AF_BRIDGE, AF_INET, AF_INET6 } from '../../../../lib/netlink/nl/constants';
import { ip, ipJson, useNetnsPair } from '../../../helpers/netns';

/** `bridge -n <ns> -j fdb show [args]`: the forwarding database as iproute2 reports it. */
function fdb(ns: string, ...args: string[]): any[] {
  const out = execFileSync('bridge', ['-n', ns, '-j', 'fdb', 'show', ...args], { encoding: 'utf8' });
  return out.trim() === '' ? [] : JSON.parse(out);
}
const ZERO_MAC = '00:00:00:00:00:00';

describe('lib/netlink/neigh (kernel)', () => {
  const ns = useNetnsPair();
  let h: NetlinkHandle;
  const index: Record<string, number> = {};

  beforeEach(() => {
    const n = ns.host.name;
    ip(n, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    ip(n, 'addr', 'add', '10.1.0.1/24', 'dev', 'v0');
    ip(n, 'addr', 'add', 'fd00::1/64', 'dev', 'v0', 'nodad');
    // The VXLAN FDB target: learning off, as the overlay runs it, with v0 as underlay.
    ip(n, 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'dstport', '4789', 'nolearning', 'dev', 'v0', 'local', '10.1.0.1');
    ip(n, 'link', 'add', 'br0', 'type', 'bridge');
    ip(n, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    ip(n, 'link', 'set', 'p0', 'master', 'br0');
    for (const l of ['v0', 'v1', 'vx0', 'br0', 'p0', 'p1']) {
      ip(n, 'link', 'set', l, 'up');
      index[l] = ipJson(n, 'link', 'show', l)[0].ifindex;
    }
    h = NetlinkHandle.open(ns.host);
  });
  afterEach(() => h?.close());

  it('sets, replaces, lists and deletes an IPv4 neighbour; EEXIST on add, ENOENT on a second delete', async () => {
    const n = ns.host.name;
    await neighSet(h, { index: index.v0, ip: '10.1.0.9', mac: '02:00:00:00:00:01' });
    const shown = () => ipJson(n, 'neigh', 'show', 'dev', 'v0').filter((e: any) => e.dst === '10.1.0.9');
    assert.deepEqual(shown().map((e: any) => [e.lladdr, e.state]), [['02:00:00:00:00:01', ['PERMANENT']]]);

    await neighSet(h, { index: index.v0, ip: '10.1.0.9', mac: '02:00:00:00:00:02' });
    assert.deepEqual(shown().map((e: any) => e.lladdr), ['02:00:00:00:00:02']);

    const dup = await neighAdd(h, { index: index.v0, ip: '10.1.0.9', mac: '02:00:00:00:00:03' }).catch((e) => e);
    assert.equal(dup.code, 'EEXIST');

    const listed = (await neighList(h, { family: AF_INET, index: index.v0 })).filter((e) => e.ip === '10.1.0.9');
    assert.deepEqual(listed.map((e) => [e.family, e.index, e.ip, e.mac, e.state]), [
      [AF_INET, index.v0, '10.1.0.9', '02:00:00:00:00:02', NUD_PERMANENT],
    ]);

    await neighDel(h, { index: index.v0, ip: '10.1.0.9' });
    assert.deepEqual(shown(), []);
    assert.equal((await neighDel(h, { index: index.v0, ip: '10.1.0.9' }).catch((e) => e)).code, 'ENOENT');
  });

  it('sets an IPv6 neighbour with another state', async () => {
    await neighSet(h, { index: index.v0, ip: 'fd00::9', mac: '02:00:00:00:00:09', state: NUD_NOARP });
    // `ip neigh show` hides NOARP entries unless asked for every state.
    const shown = ipJson(ns.host.name, '-6', 'neigh', 'show', 'nud', 'all', 'dev', 'v0').filter((e: any) => e.dst === 'fd00::9');
    assert.deepEqual(shown.map((e: any) => [e.lladdr, e.state]), [['02:00:00:00:00:09', ['NOARP']]]);
    const [listed] = (await neighList(h, { family: AF_INET6, index: index.v0 })).filter((e) => e.ip === 'fd00::9');
    assert.deepEqual([listed.mac, listed.state], ['02:00:00:00:00:09', NUD_NOARP]);
    await neighDel(h, { index: index.v0, ip: 'fd00::9' });
    assert.equal((await neighList(h, { family: AF_INET6, index: index.v0 })).some((e) => e.ip === 'fd00::9'), false);
  });

  it('appends two all-zero-MAC FDB entries with different dst on a vxlan', async () => {
    const n = ns.host.name;
    await neighAppend(h, { index: index.vx0, mac: ZERO_MAC, dst: '192.0.2.1' });
    await neighAppend(h, { index: index.vx0, mac: ZERO_MAC, dst: '192.0.2.2' });
    const zero = () => fdb(n, 'dev', 'vx0').filter((e) => e.mac === ZERO_MAC);
    assert.deepEqual(zero().map((e) => [e.dst, e.flags, e.state]), [
      ['192.0.2.1', ['self'], 'permanent'],
      ['192.0.2.2', ['self'], 'permanent'],
    ]);
    // A third one with EXCL: the all-zero MAC already exists.
    assert.equal((await neighAdd(h, { index: index.vx0, mac: ZERO_MAC, dst: '192.0.2.3' }).catch((e) => e)).code, 'EEXIST');

    const listed = (await neighList(h, { family: AF_BRIDGE, index: index.vx0 })).filter((e) => e.mac === ZERO_MAC);
    assert.deepEqual(listed.map((e) => [e.family, e.index, e.dst, e.flags, e.state]), [
      [AF_BRIDGE, index.vx0, '192.0.2.1', NTF_SELF, NUD_PERMANENT],
      [AF_BRIDGE, index.vx0, '192.0.2.2', NTF_SELF, NUD_PERMANENT],
    ]);

    // dst picks which remote of the MAC goes.
    await neighDel(h, { index: index.vx0, mac: ZERO_MAC, dst: '192.0.2.1' });
    assert.deepEqual(zero().map((e) => e.dst), ['192.0.2.2']);
    await neighDel(h, { index: index.vx0, mac: ZERO_MAC, dst: '192.0.2.2' });
    assert.deepEqual(zero(), []);
    assert.equal((await neighDel(h, { index: index.vx0, mac: ZERO_MAC, dst: '192.0.2.2' }).catch((e) => e)).code, 'ENOENT');
  });

  it('replaces a unicast vxlan FDB entry, with a VNI and port of its own', async () => {
    const n = ns.host.name;
    const mac = 'aa:bb:cc:00:00:01';
    await neighSet(h, { index: index.vx0, mac, dst: '192.0.2.5', vni: 100, port: 8472 });
    const shown = () => fdb(n, 'dev', 'vx0').filter((e) => e.mac === mac);
    assert.deepEqual(shown().map((e) => [e.dst, e.vni, e.port, e.flags, e.state]), [
      ['192.0.2.5', 100, 8472, ['self'], 'permanent'],
    ]);
    await neighSet(h, { index: index.vx0, mac, dst: '192.0.2.6' });
    // The kernel reports vni and port only when they differ from the device's (42, 4789).
    assert.deepEqual(shown().map((e) => [e.dst, e.vni, e.port]), [['192.0.2.6', undefined, undefined]]);

    const [listed] = (await neighList(h, { family: AF_BRIDGE, index: index.vx0 })).filter((e) => e.mac === mac);
    assert.deepEqual([listed.dst, listed.state, listed.flags], ['192.0.2.6', NUD_PERMANENT, NTF_SELF]);
    await neighDel(h, { index: index.vx0, mac });
    assert.deepEqual(shown(), []);
  });

  it('adds a static entry to a bridge port (NTF_MASTER) and lists it by bridge', async () => {
    const n = ns.host.name;
    const mac = '02:00:00:00:00:42';
    await neighSet(h, { index: index.p0, mac, flags: NTF_MASTER, state: NUD_NOARP });
    const shown = () => fdb(n, 'br', 'br0').filter((e) => e.mac === mac);
    assert.deepEqual(shown().map((e) => [e.ifname, e.master, e.state]), [['p0', 'br0', 'static']]);

    // The bridge reports its entries with NDA_MASTER and no NTF_MASTER flag (that flag only routes requests).
    const listed = (await neighList(h, { family: AF_BRIDGE, master: index.br0 })).filter((e) => e.mac === mac);
    assert.deepEqual(listed.map((e) => [e.index, e.master, e.flags, e.state]), [[index.p0, index.br0, 0, NUD_NOARP]]);
    await neighDel(h, { index: index.p0, mac, flags: NTF_MASTER });
    assert.deepEqual(shown(), []);
  });
});
