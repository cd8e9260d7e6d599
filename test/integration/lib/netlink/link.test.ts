import assert from 'node:assert/strict';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { NetlinkHandle } from '../../../../lib/netlink/handle';
import { LinkNotFoundError, NetlinkError, isLinkNotFound } from '../../../../lib/netlink/errors';
import {
  BridgeVlanUnsupportedError, bridgePortGet, bridgePortSet, bridgeVlanAdd, bridgeVlanDel, bridgeVlanList, linkAdd,
  linkByIndex, linkByName, linkDel, linkList, linkSetDown, linkSetHardwareAddr, linkSetMaster, linkSetMtu, linkSetName,
  linkSetNetns, linkSetNoMaster, linkSetPromisc, linkSetUp, macvlanSetMacAddrs, type MacvlanMode,
} from '../../../../lib/netlink/link';
import { ipJson, useNetnsPair } from '../../../helpers/netns';
import { skipUnlessHost } from '../../../helpers/skip';

/** What `ip -j -d link show dev NAME` reports in netns `ns`. */
function show(ns: string, name: string): any {
  const [link] = ipJson(ns, 'link', 'show', 'dev', name);
  return link;
}

/** True when `ip link show` in `ns` has no link called `name`. */
function absent(ns: string, name: string): boolean {
  return ipJson(ns, 'link', 'show').every((l: { ifname: string }) => l.ifname !== name);
}

/** The running kernel's CONFIG_BRIDGE_VLAN_FILTERING, or undefined when /proc/config.gz is not there. */
function kernelHasBridgeVlanFiltering(): boolean | undefined {
  try {
    return zlib.gunzipSync(fs.readFileSync('/proc/config.gz')).toString().includes('\nCONFIG_BRIDGE_VLAN_FILTERING=y');
  } catch {
    return undefined;
  }
}

describe('lib/netlink/link against the kernel', () => {
  const ns = useNetnsPair();
  let h: NetlinkHandle;
  beforeEach(() => { h = NetlinkHandle.open(ns.host); });
  afterEach(() => h.close());

  /** A veth pair inside `host`, the usual underlay / bridge port here (no dummy module). */
  async function veth(name: string, peer: string): Promise<number> {
    await linkAdd(h, { kind: 'veth', name, peer: { name: peer } });
    return (await linkByName(h, name)).index;
  }

  it('creates a bridge with settings, up, and reads it back', async () => {
    await linkAdd(h, { kind: 'bridge', name: 'br0', up: true, mtu: 1400, bridge: { stp: true, forwardDelay: 400, ageingTime: 6000, mcastSnooping: false } });
    const k = show(ns.host.name, 'br0');
    assert.equal(k.linkinfo.info_kind, 'bridge');
    assert.deepEqual([k.linkinfo.info_data.stp_state, k.linkinfo.info_data.forward_delay, k.linkinfo.info_data.ageing_time, k.linkinfo.info_data.mcast_snooping], [1, 400, 6000, 0]);
    assert.ok(k.flags.includes('UP'));
    assert.equal(k.mtu, 1400);
    const link = await linkByName(h, 'br0');
    assert.equal(link.kind, 'bridge');
    if (link.kind === 'bridge') assert.deepEqual([link.bridge.stp, link.bridge.forwardDelay, link.bridge.mcastSnooping], [true, 400, false]);
    assert.equal(link.index, k.ifindex);
    assert.equal(link.up, true);
    assert.deepEqual(await linkByIndex(h, link.index), link);
    assert.deepEqual((await linkList(h)).map((l) => [l.name, l.kind]), [['lo', 'device'], ['br0', 'bridge']]);
  });

  it('creates a veth whose peer appears directly in the container netns', async () => {
    await linkAdd(h, { kind: 'veth', name: 'veth0', mtu: 1450, peer: { name: 'eth0', netnsFd: ns.container.fd, mtu: 1450, hardwareAddr: '02:42:0a:00:00:02' } });
    const peer = show(ns.container.name, 'eth0');
    assert.equal(peer.linkinfo.info_kind, 'veth');
    assert.equal(peer.address, '02:42:0a:00:00:02');
    assert.equal(peer.mtu, 1450);
    assert.ok(absent(ns.host.name, 'eth0'));
    const host = await linkByName(h, 'veth0');
    assert.equal(host.kind, 'veth');
    assert.equal(host.parentIndex, peer.ifindex, 'IFLA_LINK is the peer index in the other netns');
    assert.equal(typeof host.netnsId, 'number', 'IFLA_LINK_NETNSID says the peer is elsewhere');
    assert.equal(show(ns.host.name, 'veth0').link_netnsid, host.netnsId);
  });

  it('sets up/down, mtu, address, promisc and name', async () => {
    const index = await veth('v0', 'v1');
    await linkSetUp(h, 'v0');
    assert.ok(show(ns.host.name, 'v0').flags.includes('UP'));
    await linkSetMtu(h, index, 1300);
    await linkSetHardwareAddr(h, { index }, '02:00:00:00:be:ef');
    await linkSetPromisc(h, 'v0', true);
    let k = show(ns.host.name, 'v0');
    assert.deepEqual([k.mtu, k.address, k.flags.includes('PROMISC')], [1300, '02:00:00:00:be:ef', true]);
    assert.equal((await linkByIndex(h, index)).promiscuity, 1);
    await linkSetPromisc(h, 'v0', false);
    assert.equal(show(ns.host.name, 'v0').flags.includes('PROMISC'), false);
    await linkSetDown(h, index);
    assert.equal(show(ns.host.name, 'v0').flags.includes('UP'), false);
    await linkSetName(h, 'v0', 'renamed');
    k = show(ns.host.name, 'renamed');
    assert.equal(k.ifindex, index);
    assert.ok(absent(ns.host.name, 'v0'));
  });

  it('enslaves to a bridge, sets and reads back port flags, and releases', async () => {
    await linkAdd(h, { kind: 'bridge', name: 'br0' });
    const br = await linkByName(h, 'br0');
    await veth('p0', 'p1');
    await linkSetMaster(h, 'p0', br.index);
    assert.equal(show(ns.host.name, 'p0').master, 'br0');
    await bridgePortSet(h, 'p0', { hairpin: true, isolated: true, learning: false });
    const slave = show(ns.host.name, 'p0').linkinfo.info_slave_data;
    assert.deepEqual([slave.hairpin, slave.isolated, slave.learning], [true, true, false]);
    const port = await bridgePortGet(h, 'p0');
    assert.deepEqual([port?.hairpin, port?.isolated, port?.learning], [true, true, false]);
    const link = await linkByName(h, 'p0');
    assert.deepEqual([link.masterIndex, link.slaveKind, link.bridgePort?.hairpin], [br.index, 'bridge', true]);
    await bridgePortSet(h, 'p0', { hairpin: false, learning: true });
    assert.deepEqual([show(ns.host.name, 'p0').linkinfo.info_slave_data.hairpin, (await bridgePortGet(h, 'p0'))?.learning], [false, true]);
    await linkSetNoMaster(h, 'p0');
    assert.equal(show(ns.host.name, 'p0').master, undefined);
    assert.equal(await bridgePortGet(h, 'p0'), undefined);
  });

  it('creates an enslaved link, and a link straight into another netns', async () => {
    await linkAdd(h, { kind: 'bridge', name: 'br0' });
    const br = await linkByName(h, 'br0');
    await linkAdd(h, { kind: 'veth', name: 'p0', masterIndex: br.index, up: true, peer: { name: 'p1' } });
    assert.equal(show(ns.host.name, 'p0').master, 'br0');
    await linkAdd(h, { kind: 'bridge', name: 'cbr0', netnsFd: ns.container.fd });
    assert.equal(show(ns.container.name, 'cbr0').linkinfo.info_kind, 'bridge');
    assert.ok(absent(ns.host.name, 'cbr0'));
  });

  it('creates an IPv4 vxlan on a veth underlay: id, dstport (big-endian), local, nolearning, ttl, dev', async () => {
    const underlay = await veth('u0', 'u1');
    await linkAdd(h, { kind: 'vxlan', name: 'vx0', vxlan: { vni: 4242, local: '10.1.2.3', port: 4789, learning: false, ttl: 5, underlayIndex: underlay, srcPortRange: { low: 1000, high: 2000 } } });
    const d = show(ns.host.name, 'vx0').linkinfo.info_data;
    assert.deepEqual([d.id, d.port, d.local, d.learning, d.ttl, d.link], [4242, 4789, '10.1.2.3', false, 5, 'u0']);
    assert.deepEqual(d.port_range, { low: 1000, high: 2000 });
    const link = await linkByName(h, 'vx0');
    assert.equal(link.kind, 'vxlan');
    if (link.kind === 'vxlan') assert.deepEqual([link.vxlan.vni, link.vxlan.port, link.vxlan.local, link.vxlan.underlayIndex], [4242, 4789, '10.1.2.3', underlay]);
  });

  it('creates an IPv6 vxlan with a unicast remote, and refuses a duplicate VNI with EEXIST', async () => {
    await linkAdd(h, { kind: 'vxlan', name: 'vx6', vxlan: { vni: 7, local: '2001:db8::1', remote: '2001:db8::2', port: 8472, udpCsum: true } });
    const d = show(ns.host.name, 'vx6').linkinfo.info_data;
    assert.deepEqual([d.id, d.local6, d.remote6, d.port, d.udp_csum], [7, '2001:db8::1', '2001:db8::2', 8472, true]);
    await assert.rejects(linkAdd(h, { kind: 'vxlan', name: 'vx7', vxlan: { vni: 7, local: '2001:db8::1', remote: '2001:db8::2', port: 8472 } }),
      (err: unknown) => err instanceof NetlinkError && err.code === 'EEXIST' && /VNI already exists/.test(err.extack ?? ''));
  });

  it('creates macvlans in every mode on a veth end', async () => {
    const lower = await veth('m0', 'm1');
    const modes: MacvlanMode[] = ['private', 'vepa', 'bridge', 'source'];
    for (const mode of modes) await linkAdd(h, { kind: 'macvlan', name: `mv-${mode}`, parentIndex: lower, macvlan: { mode } });
    // passthru takes over its lower device: it must be the only macvlan there.
    const alone = await veth('n0', 'n1');
    await linkAdd(h, { kind: 'macvlan', name: 'mv-passthru', parentIndex: alone, macvlan: { mode: 'passthru', nopromisc: true } });
    for (const mode of [...modes, 'passthru']) {
      const k = show(ns.host.name, `mv-${mode}`);
      assert.deepEqual([k.linkinfo.info_kind, k.linkinfo.info_data.mode], ['macvlan', mode]);
      const link = await linkByName(h, `mv-${mode}`);
      assert.equal(link.kind === 'macvlan' && link.macvlan.mode, mode);
      assert.equal(link.parentIndex, mode === 'passthru' ? alone : lower);
    }
    assert.equal(show(ns.host.name, 'mv-passthru').linkinfo.info_data.nopromisc, true);
    const pt = await linkByName(h, 'mv-passthru');
    assert.equal(pt.kind === 'macvlan' && pt.macvlan.nopromisc, true);
  });

  it('keeps a source-mode MAC list: create with a list, add, del, set, flush', async () => {
    const lower = await veth('m0', 'm1');
    const macs = () => {
      const d = show(ns.host.name, 'mv0').linkinfo.info_data;
      return [d.macaddr_count, [...(d.macaddr_data ?? [])].sort()];
    };
    await linkAdd(h, { kind: 'macvlan', name: 'mv0', parentIndex: lower, macvlan: { mode: 'source', macaddrs: ['02:00:00:00:00:01', '02:00:00:00:00:02'] } });
    assert.deepEqual(macs(), [2, ['02:00:00:00:00:01', '02:00:00:00:00:02']]);
    await macvlanSetMacAddrs(h, 'mv0', 'add', ['02:00:00:00:00:03', '02:00:00:00:00:04']);
    await macvlanSetMacAddrs(h, 'mv0', 'del', ['02:00:00:00:00:01']);
    assert.deepEqual(macs(), [3, ['02:00:00:00:00:02', '02:00:00:00:00:03', '02:00:00:00:00:04']]);
    await macvlanSetMacAddrs(h, 'mv0', 'set', ['02:00:00:00:00:09']);
    assert.deepEqual(macs(), [1, ['02:00:00:00:00:09']]);
    const link = await linkByName(h, 'mv0');
    assert.deepEqual(link.kind === 'macvlan' && [link.macvlan.macaddrCount, link.macvlan.macaddrs], [1, ['02:00:00:00:00:09']]);
    await macvlanSetMacAddrs(h, 'mv0', 'flush');
    assert.deepEqual(macs(), [0, []]);
  });

  it('moves a link into another netns', async () => {
    await veth('v0', 'v1');
    await linkSetNetns(h, 'v1', ns.container.fd);
    assert.ok(absent(ns.host.name, 'v1'));
    assert.equal(show(ns.container.name, 'v1').linkinfo.info_kind, 'veth');
    await assert.rejects(linkByName(h, 'v1'), LinkNotFoundError);
  });

  it('deletes a link, taking a veth peer in another netns with it', async () => {
    await linkAdd(h, { kind: 'veth', name: 'veth0', peer: { name: 'eth0', netnsFd: ns.container.fd } });
    await linkDel(h, 'veth0');
    assert.ok(absent(ns.host.name, 'veth0'));
    assert.ok(absent(ns.container.name, 'eth0'));
    await linkAdd(h, { kind: 'bridge', name: 'br0' });
    await linkDel(h, await linkByName(h, 'br0'));
    assert.ok(absent(ns.host.name, 'br0'));
  });

  it('reports a missing link as LinkNotFoundError and a duplicate as EEXIST', async () => {
    await assert.rejects(linkByName(h, 'nope'), (err: unknown) => isLinkNotFound(err) && (err as Error).message === 'link "nope" not found');
    await assert.rejects(linkByIndex(h, 9999), LinkNotFoundError);
    await assert.rejects(linkDel(h, 'nope'), LinkNotFoundError);
    await assert.rejects(linkSetUp(h, 'nope'), LinkNotFoundError);
    await linkAdd(h, { kind: 'bridge', name: 'br0' });
    await assert.rejects(linkAdd(h, { kind: 'bridge', name: 'br0' }), (err: unknown) => err instanceof NetlinkError && err.code === 'EEXIST');
    await assert.rejects(linkAdd(h, { kind: 'veth', name: 'br0', peer: { name: 'x0' } }), { code: 'EEXIST' });
  });

  it('bridge VLANs: the kernel refusal is a clear error when it has no VLAN filtering', async function () {
    const supported = kernelHasBridgeVlanFiltering();
    skipUnlessHost(this, supported !== undefined, 'cannot tell whether this kernel has bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)');
    await linkAdd(h, { kind: 'bridge', name: 'br0' });
    const br = await linkByName(h, 'br0');
    await veth('p0', 'p1');
    await veth('q0', 'q1');
    await linkSetMaster(h, 'p0', br.index);
    if (supported) {
      await bridgeVlanAdd(h, 'p0', { vid: 10, pvid: true, untagged: true });
      const p0 = (await bridgeVlanList(h)).find((p) => p.name === 'p0');
      assert.ok(p0?.vlans.some((v) => v.vid === 10 && v.pvid && v.untagged));
      return;
    }
    // Without CONFIG_BRIDGE_VLAN_FILTERING the kernel answers EOPNOTSUPP with no extended ack.
    await assert.rejects(bridgeVlanAdd(h, 'p0', { vid: 10, pvid: true, untagged: true }), (err: unknown) =>
      err instanceof BridgeVlanUnsupportedError && err.code === 'EOPNOTSUPP'
      && err.message === 'RTM_SETLINK "p0" bridge vlan add vid 10: EOPNOTSUPP (bridge VLAN filtering is not supported by this kernel (CONFIG_BRIDGE_VLAN_FILTERING is off))'
      && (err.cause as NetlinkError).extack === undefined);
    await assert.rejects(bridgeVlanAdd(h, br.index, { vid: 10, self: true }), BridgeVlanUnsupportedError);
    await assert.rejects(bridgeVlanAdd(h, 'q0', { vid: 10 }), (err: unknown) =>
      err instanceof NetlinkError && !(err instanceof BridgeVlanUnsupportedError) && /"q0" is not a bridge port/.test(err.message));
    await bridgeVlanDel(h, 'p0', { vid: 10 }); // the kernel acknowledges a delete it cannot do
    const list = await bridgeVlanList(h);
    assert.deepEqual(list.map((p) => [p.name, p.vlans]).sort(), [['br0', []], ['p0', []]]);
    await assert.rejects(linkAdd(h, { kind: 'bridge', name: 'br1', bridge: { vlanFiltering: true } }), (err: unknown) =>
      err instanceof BridgeVlanUnsupportedError && err.code === 'EOPNOTSUPP');
    assert.ok(absent(ns.host.name, 'br1'), 'the kernel does not leave a half-made bridge');
  });
});
