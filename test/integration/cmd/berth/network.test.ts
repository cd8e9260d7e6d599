// berth containers on networks: two on the default bridge reaching each other and the gateway,
// `network inspect` against the kernel's view, the host side (berth0, veths, masquerade chains, leases,
// result cache) and its removal; a user network with its own subnet.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBerth } from '../../../helpers/berth';

describe('berth CLI: networks', function () {
  this.timeout(60_000);
  const b = useBerth();

  const addrOf = async (name: string): Promise<string> =>
    /inet (10\.\d+\.\d+\.\d+\/\d+)/.exec(await b.ok(['exec', name, 'ip', '-o', '-4', 'addr', 'show', 'eth0']))![1]!;

  it('default bridge: two containers ping each other and the gateway; inspect, host links, rules, leases, cache; all gone after rm', async () => {
    const ids = [await b.ok(['run', '-d', '--name', 'n1', 'busybox', 'sleep', '1000']), await b.ok(['run', '-d', '--name', 'n2', 'busybox', 'sleep', '1000'])];
    const [a1, a2] = [await addrOf('n1'), await addrOf('n2')] as [string, string];
    for (const a of [a1, a2]) assert.match(a, /^10\.87\.\d+\.\d+\/16$/);
    assert.notEqual(a1, a2);
    await b.ok(['exec', 'n1', 'ping', '-c1', '-W2', a2.split('/')[0]!]);
    await b.ok(['exec', 'n2', 'ping', '-c1', '-W2', a1.split('/')[0]!]);
    await b.ok(['exec', 'n1', 'ping', '-c1', '-W2', '10.87.0.1']);

    const [net] = JSON.parse(await b.ok(['network', 'inspect', 'bridge'])) as any[];
    assert.deepEqual(Object.keys(net.Containers).sort(), [...ids].sort());
    for (const [id, name, addr] of [[ids[0], 'n1', a1], [ids[1], 'n2', a2]] as [string, string, string][]) {
      const mac = await b.ok(['exec', name, 'cat', '/sys/class/net/eth0/address']);
      assert.equal(net.Containers[id].Name, name);
      assert.equal(net.Containers[id].MacAddress, mac);
      assert.equal(net.Containers[id].IPv4Address, addr);
    }

    // Host side: the bridge with the gateway, one veth per container on it, a masquerade chain each.
    const links = b.hostLinks();
    assert.equal(links.get('berth0')?.linkinfo?.info_kind, 'bridge');
    const { ipJson } = await import('../../../helpers/netns');
    const [br] = ipJson(b.host.name, 'addr', 'show', 'dev', 'berth0') as any[];
    assert.deepEqual(br.addr_info.filter((x: any) => x.family === 'inet').map((x: any) => `${x.local}/${x.prefixlen}`), ['10.87.0.1/16']);
    const veths = [...links.values()].filter((l) => l.linkinfo?.info_kind === 'veth');
    assert.equal(veths.length, 2);
    for (const v of veths) assert.equal(v.master, 'berth0');
    for (const id of ids) assert.ok(veths.some((v) => (v.ifalias ?? '').includes(id)), `a veth for ${id}`);
    const save = b.natRules();
    for (const [id, addr] of [[ids[0], a1], [ids[1], a2]] as [string, string][]) {
      const rule = new RegExp(`^-A POSTROUTING -s ${addr.split('/')[0]!.replace(/\./g, '\\.')}/32 .*id: \\\\"${id}\\\\"" -j (CNI-[0-9a-f]{24})$`, 'm').exec(save);
      assert.ok(rule, `masquerade jump for ${id}`);
      assert.match(save, new RegExp(`^-A ${rule![1]} ! -d 224\\.0\\.0\\.0/4 .* -j MASQUERADE$`, 'm'));
    }
    const leases = b.residue().leases;
    assert.deepEqual(leases.sort(), [`bridge/${a1.split('/')[0]} ${ids[0]}`, `bridge/${a2.split('/')[0]} ${ids[1]}`].sort());
    const cache = fs.readdirSync(path.join(b.cniDir, 'results'));
    for (const id of ids) assert.ok(cache.includes(`bridge-${id}-eth0`), `cache file for ${id}`);

    await b.ok(['rm', '-f', 'n1', 'n2']);
    const left = b.residue();
    assert.deepEqual(left.veths, []);
    assert.deepEqual(left.leases, []);
    assert.deepEqual(left.chains, []);
    assert.deepEqual(left.cache, []);
    assert.deepEqual(left.netns, []);
    assert.deepEqual(left.cgroups, []);
    assert.equal(/^:CNI-/m.test(b.natRules()), false, 'no CNI chain left');
    assert.ok(b.hostLinks().has('berth0'), 'the bridge stays, as Docker\'s docker0 does');
  });

  it('user network: create with --subnet, run on it, ls, rm refused while in use, works after', async () => {
    const netId = await b.ok(['network', 'create', '--subnet', '10.99.0.0/24', 'mynet']);
    assert.match(netId, /^[0-9a-f]{64}$/);
    assert.match(await b.ok(['network', 'ls']), new RegExp(`^${netId.slice(0, 12)}\\s+mynet\\s+bridge\\s+local$`, 'm'));
    const out = await b.ok(['run', '--rm', '--network', 'mynet', 'busybox', 'sh', '-c', `ip -o -4 addr show eth0; ip route`]);
    assert.match(out, /inet 10\.99\.0\.\d+\/24/);
    assert.match(out, /default via 10\.99\.0\.1/);

    const id = await b.ok(['run', '-d', '--network', 'mynet', 'busybox', 'sleep', '1000']);
    const rm = await b.berth(['network', 'rm', 'mynet']);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /network mynet id [0-9a-f]{64} has active endpoints/);
    assert.match(await b.ok(['network', 'ls']), /mynet/);
    await b.ok(['rm', '-f', id]);
    assert.equal(await b.ok(['network', 'rm', 'mynet']), 'mynet');
    assert.doesNotMatch(await b.ok(['network', 'ls']), /mynet/);
    assert.deepEqual(b.residue().leases, []);
  });

  it('a container run with --network <id prefix> is on that network: rm refused while it runs, its attachment is the network\'s', async () => {
    const netId = await b.ok(['network', 'create', '--subnet', '10.98.0.0/24', 'prefixnet']);
    const id = await b.ok(['run', '-d', '--network', netId.slice(0, 8), 'busybox', 'sleep', '1000']);
    assert.match(await b.ok(['exec', id, 'ip', '-o', '-4', 'addr', 'show', 'eth0']), /inet 10\.98\.0\.\d+\/24/);
    const [ctr] = JSON.parse(await b.ok(['inspect', id])) as any[];
    assert.equal(ctr.HostConfig.NetworkMode, 'prefixnet');
    assert.equal(ctr.NetworkSettings.Networks.prefixnet.NetworkID, netId);
    assert.ok(fs.readdirSync(path.join(b.cniDir, 'results')).includes(`prefixnet-${id}-eth0`), 'cached under the network\'s name');
    const rm = await b.berth(['network', 'rm', 'prefixnet']);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, new RegExp(`network prefixnet id ${netId} has active endpoints`));
    await b.ok(['rm', '-f', id]);
    assert.deepEqual(b.residue().cache, []);
    assert.equal(await b.ok(['network', 'rm', 'prefixnet']), 'prefixnet');
    assert.deepEqual(b.residue().leases, []);
  });
});
