// `berth network create -d overlay` and `berth run --network` end to end, with the BUILT berth and
// plugins: a fake berthd answers the API on BERTH_RUN/berthd.sock and the test writes the node's
// lease file where berthd would, so the container is attached through the overlay plugin.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useBerth, waitFor } from '../../../helpers/berth';
import { startFakeBerthd, type FakeBerthd } from '../../../unit/lib/runtime/network/fake-berthd';

const PROBE = path.resolve(__dirname, '../../../helpers/port-probe.cjs');

describe('berth CLI: an overlay network (fake berthd, lease file written by the test)', function () {
  this.timeout(60_000);
  const b = useBerth();
  let berthd: FakeBerthd | undefined;
  afterEach(async () => {
    await berthd?.close();
    berthd = undefined;
  });

  it('create -d overlay, run on it (address from the node subnet, routes, MTU), inspect, rm', async () => {
    berthd = await startFakeBerthd(b.run);
    const id = await b.ok(['network', 'create', '-d', 'overlay', '--subnet', '10.246.0.0/16', '-o', 'vni=5', 'ov']);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.deepEqual(berthd.requests.map((r) => r.body), [{ name: 'ov', network: '10.246.0.0/16', vni: 5 }]);
    berthd.dnsListeners = [{ network: 'ov', address: '10.246.7.1' }];
    fs.mkdirSync(path.join(b.run, 'overlay'), { recursive: true });
    fs.writeFileSync(path.join(b.run, 'overlay', 'ov.json'), JSON.stringify({ name: 'ov', network: '10.246.0.0/16', subnet: '10.246.7.0/24', mtu: 1450, vni: 5, bridge: 'ovbr5' }));

    const out = await b.ok(['run', '--rm', '--network', 'ov', 'busybox', 'sh', '-c', 'ip -o -4 addr show eth0; ip -o link show eth0; ip route; cat /etc/resolv.conf']);
    assert.equal(berthd.requests.at(-1)?.url, '/v1/dns/sync', 'berthd\'s DNS is synced before the command runs');
    assert.match(out, /^nameserver 10\.246\.7\.1$/m, 'the resolver on the node\'s overlay gateway');
    assert.match(out, /inet 10\.246\.7\.\d+\/24/);
    assert.match(out, /mtu 1450/);
    assert.match(out, /default via 10\.246\.7\.1/);
    assert.match(out, /10\.246\.0\.0\/16 via 10\.246\.7\.1/);

    const [net] = JSON.parse(await b.ok(['network', 'inspect', 'ov']));
    assert.deepEqual([net.Driver, net.Scope, net.IPAM.Config], ['overlay', 'global', [{ Subnet: '10.246.0.0/16' }]]);
    assert.ok(b.hostLinks().has('ovbr5'), 'the lease\'s bridge was made');
    const left = b.residue();
    assert.deepEqual([left.veths, left.leases, left.chains], [[], [], []]);
    assert.equal(await b.ok(['network', 'rm', 'ov']), 'ov');
  });

  it('-p on an overlay network: portmap is chained after the overlay plugin, the port answers on the host and goes with rm', async () => {
    berthd = await startFakeBerthd(b.run);
    await b.ok(['network', 'create', '-d', 'overlay', '--subnet', '10.247.0.0/16', '-o', 'vni=6', 'ovp']);
    berthd.dnsListeners = [{ network: 'ovp', address: '10.247.3.1' }];
    fs.mkdirSync(path.join(b.run, 'overlay'), { recursive: true });
    fs.writeFileSync(path.join(b.run, 'overlay', 'ovp.json'), JSON.stringify({ name: 'ovp', network: '10.247.0.0/16', subnet: '10.247.3.0/24', mtu: 1450, vni: 6, bridge: 'ovbr6' }));
    await b.ok(['run', '-d', '--name', 'srv', '--network', 'ovp', '-p', '8090:80', 'busybox', 'nc', '-ll', '-p', '80', '-e', 'echo', 'tcp-hello']);
    const probe = () => execFileSync('ip', ['netns', 'exec', b.host.name, process.execPath, PROBE, 'tcp', '10.247.3.1', '8090'], { encoding: 'utf8' }).trim();
    assert.equal(await waitFor(() => (probe() === 'tcp-hello' ? 'tcp-hello' : undefined), 10_000), 'tcp-hello');
    assert.match(b.natRules(), /--dport 8090/);
    await b.ok(['rm', '-f', 'srv']);
    assert.equal(probe(), 'fail');
    assert.doesNotMatch(b.natRules(), /--dport 8090/);
    assert.equal(await b.ok(['network', 'rm', 'ovp']), 'ovp');
  });
});
