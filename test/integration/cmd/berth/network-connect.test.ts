// `berth network connect/disconnect` and `run --ip`: a running container gets eth1 on a second network
// (its address leased there, traffic to that network's members over it), inspect and `network
// inspect` show it, `network rm` counts it, disconnect takes the interface and the lease away; a
// created container connected before its start comes up on both networks; the network a container
// was created on can be disconnected; rm leaves nothing of any of it.
import assert from 'node:assert/strict';
import { useBerth } from '../../../helpers/berth';

describe('berth CLI: network connect / disconnect, --ip', function () {
  this.timeout(90_000);
  const b = useBerth();

  /** `ip -o -4 addr` of the container's interfaces: "eth0 10.96.1.50/24" lines, lo left out. */
  const addrs = async (name: string): Promise<string[]> =>
    (await b.ok(['exec', name, 'ip', '-o', '-4', 'addr', 'show']))
      .split('\n').map((l) => /^\d+: (\S+)\s+inet (\S+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null && m[1] !== 'lo')
      .map((m) => `${m[1]} ${m[2]}`).sort();
  const containersOf = async (net: string): Promise<string[]> =>
    Object.values((JSON.parse(await b.ok(['network', 'inspect', net])) as any[])[0].Containers).map((c: any) => c.Name as string).sort();

  before(async () => {
    await b.ok(['network', 'create', '--subnet', '10.96.1.0/24', 'net1']);
    await b.ok(['network', 'create', '--subnet', '10.96.2.0/24', 'net2']);
  });
  after(async () => {
    await b.berth(['network', 'rm', 'net1', 'net2']);
  });

  it('connect gives a running container eth1 with its --ip on the second network, reaching its members; disconnect takes it away', async () => {
    await b.ok(['run', '-d', '--name', 'c1', '--network', 'net1', '--ip', '10.96.1.50', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'c2', '--network', 'net2', 'busybox', 'sleep', '1000']);
    assert.deepEqual(await addrs('c1'), ['eth0 10.96.1.50/24']);
    const [c2addr] = await addrs('c2');
    const c2ip = c2addr!.split(' ')[1]!.split('/')[0]!;

    await b.ok(['network', 'connect', '--ip', '10.96.2.77', 'net2', 'c1']);
    assert.deepEqual(await addrs('c1'), ['eth0 10.96.1.50/24', 'eth1 10.96.2.77/24']);
    await b.ok(['exec', 'c1', 'ping', '-c1', '-W2', c2ip]);
    await b.ok(['exec', 'c2', 'ping', '-c1', '-W2', '10.96.2.77']);
    const nets = (await b.inspect('c1')).NetworkSettings.Networks;
    assert.deepEqual(Object.keys(nets).sort(), ['net1', 'net2']);
    assert.equal(nets.net1.IPAddress, '10.96.1.50');
    assert.equal(nets.net2.IPAddress, '10.96.2.77');
    assert.deepEqual(await containersOf('net2'), ['c1', 'c2']);
    assert.ok(b.residue().leases.includes(`net2/10.96.2.77 ${(await b.inspect('c1')).Id}`), 'the lease on net2');

    const again = await b.berth(['network', 'connect', 'net2', 'c1']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /endpoint with name c1 already exists in network net2/);
    const rm = await b.berth(['network', 'rm', 'net2']);
    assert.match(rm.stderr, /network net2 id [0-9a-f]{64} has active endpoints/);

    await b.ok(['network', 'disconnect', 'net2', 'c1']);
    assert.deepEqual(await addrs('c1'), ['eth0 10.96.1.50/24']);
    assert.deepEqual(Object.keys((await b.inspect('c1')).NetworkSettings.Networks), ['net1']);
    assert.deepEqual(await containersOf('net2'), ['c2']);
    assert.ok(!b.residue().leases.some((l) => l.startsWith('net2/10.96.2.77')), 'the net2 lease is released');
    const notOn = await b.berth(['network', 'disconnect', 'net2', 'c1']);
    assert.match(notOn.stderr, /is not connected to network net2/);
  });

  it('a created container connected before its start comes up on both; its first network can be disconnected; rm leaves nothing', async () => {
    const before = b.residue();
    await b.ok(['create', '--name', 'c3', '--network', 'net1', 'busybox', 'sleep', '1000']);
    await b.ok(['network', 'connect', 'net2', 'c3']);
    await b.ok(['start', 'c3']);
    const both = await addrs('c3');
    assert.equal(both.length, 2, both.join('\n'));
    assert.match(both[0]!, /^eth0 10\.96\.1\.\d+\/24$/);
    assert.match(both[1]!, /^eth1 10\.96\.2\.\d+\/24$/);

    await b.ok(['network', 'disconnect', 'net1', 'c3']);
    const left = await addrs('c3');
    assert.equal(left.length, 1);
    assert.match(left[0]!, /^eth1 10\.96\.2\.\d+\/24$/);
    assert.deepEqual(await containersOf('net1'), []);
    // With no container on it any more, net1 can go (and comes back for the next test's sake).
    await b.ok(['network', 'rm', 'net1']);
    await b.ok(['network', 'create', '--subnet', '10.96.1.0/24', 'net1']);

    await b.ok(['rm', '-f', 'c3']);
    const after = b.residue();
    assert.deepEqual(after.veths, before.veths);
    assert.deepEqual(after.leases, before.leases);
    assert.deepEqual(after.cache, before.cache);
    assert.deepEqual(after.netns, before.netns);
  });

  it('refuses what Docker refuses: --ip on the default bridge, a bad address, connecting a host-network container', async () => {
    const bridge = await b.berth(['run', '--rm', '--ip', '10.87.0.99', 'busybox', 'true']);
    assert.equal(bridge.code, 125);
    assert.match(bridge.stderr, /user specified IP address is supported on user defined networks only/);
    const bad = await b.berth(['run', '--rm', '--network', 'net1', '--ip', '10.96.1.300', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^berth: invalid IPv4 address: 10\.96\.1\.300\n/);
    await b.ok(['run', '-d', '--name', 'h1', '--network', 'host', 'busybox', 'sleep', '1000']);
    const host = await b.berth(['network', 'connect', 'net1', 'h1']);
    assert.notEqual(host.code, 0);
    assert.match(host.stderr, /cannot be connected to a network/);
    const outside = await b.berth(['network', 'connect', '--ip', '10.50.0.1', 'net1', 'h1']);
    assert.notEqual(outside.code, 0);
  });
});
