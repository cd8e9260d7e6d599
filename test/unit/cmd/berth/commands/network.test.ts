import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeBerthd, type FakeBerthd } from '../../../lib/runtime/network/fake-berthd';
import { BerthHarness } from '../harness';

describe('cmd/berth/commands/network', () => {
  let h: BerthHarness;
  beforeEach(() => { h = new BerthHarness(); });
  afterEach(() => h.cleanup());

  it('lists the built-in networks in Docker\'s columns', async () => {
    const r = await h.berth(['network', 'ls']);
    assert.equal(r.code, 0);
    const lines = r.out.trimEnd().split('\n');
    assert.equal(lines[0], 'NETWORK ID     NAME      DRIVER    SCOPE');
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(1)), [['bridge', 'bridge', 'local'], ['host', 'host', 'local'], ['none', 'null', 'local']]);
    assert.match(lines[1]!, /^[0-9a-f]{12} {3}bridge/);
    assert.equal((await h.berth(['network', 'ls', '--format', '{{.Name}}', '-f', 'driver=null'])).out, 'none\n');
  });

  it('creates, inspects and removes a network', async () => {
    const created = await h.berth(['network', 'create', '--subnet', '10.99.0.0/24', '--label', 'team=a', 'backend']);
    assert.equal(created.code, 0, created.err);
    const id = created.out.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal((await h.berth(['network', 'ls', '-q', '--no-trunc', '-f', 'type=custom'])).out, `${id}\n`);
    const inspect = await h.berth(['network', 'inspect', 'backend']);
    const [net] = JSON.parse(inspect.out);
    assert.equal(net.Name, 'backend');
    assert.equal(net.Id, id);
    assert.deepEqual(net.IPAM.Config, [{ Subnet: '10.99.0.0/24', Gateway: '10.99.0.1' }]);
    assert.deepEqual(net.Containers, {});
    assert.deepEqual(net.Labels, { team: 'a' });
    assert.match(inspect.out, /^\[\n {4}\{\n {8}"Name": "backend",/);
    assert.deepEqual(await h.berth(['network', 'rm', 'backend']), { code: 0, out: 'backend\n', err: '' });
    const gone = await h.berth(['network', 'inspect', 'backend']);
    assert.deepEqual(gone, { code: 1, out: '[]\n', err: 'Error response from daemon: network backend not found\n' });
  });

  it('refuses to remove a built-in and prunes only unused custom networks', async () => {
    const r = await h.berth(['network', 'rm', 'bridge']);
    assert.deepEqual(r, { code: 1, out: '', err: 'Error response from daemon: bridge is a pre-defined network and cannot be removed\n' });
    await h.berth(['network', 'create', 'a1']);
    const prompt = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ';
    assert.deepEqual(await h.berth(['network', 'prune'], { stdin: ['N'] }), { code: 0, out: prompt, err: '' });
    assert.deepEqual(await h.berth(['network', 'prune', '-f']), { code: 0, out: 'Deleted Networks:\na1\n', err: '' });
  });

  it('counts a container created with --network <id prefix> as a user of the network', async () => {
    const rootfs = join(h.root, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    writeFileSync(join(rootfs, 'bin', 'hello'), '');
    assert.equal((await h.berth(['image', 'import', '--dir', rootfs, '-c', 'CMD ["/bin/hello"]', 'demo:v1'])).code, 0);
    const netId = (await h.berth(['network', 'create', 'backend'])).out.trim();
    // create reconciles first: BERTH_RUN and the cgroup parent are this test's own, so that sweep
    // touches nothing of the machine's.
    const env = { BERTH_RUN: join(h.root, 'run'), BERTH_CGROUP_PARENT: `berth-unit-${netId.slice(0, 8)}` };
    const created = await h.berth(['create', '--network', netId.slice(0, 6), 'demo:v1'], { env });
    assert.equal(created.code, 0, created.err);
    const [ctr] = JSON.parse((await h.berth(['inspect', created.out.trim()], { env })).out);
    assert.equal(ctr.HostConfig.NetworkMode, 'backend', 'the record names the network, not the prefix typed');
    assert.deepEqual(await h.berth(['network', 'rm', 'backend']), {
      code: 1, out: '', err: `Error response from daemon: error while removing network: network backend id ${netId} has active endpoints\n`,
    });
  });

  describe('network create -d overlay (a fake berthd on BERTH_RUN/berthd.sock)', () => {
    let berthd: FakeBerthd | undefined;
    afterEach(async () => {
      await berthd?.close();
      berthd = undefined;
    });
    const run = () => ({ BERTH_RUN: join(h.root, 'run') });

    it('POSTs to berthd, then ls and inspect show Driver overlay, Scope global', async () => {
      berthd = await startFakeBerthd(join(h.root, 'run'));
      const created = await h.berth(['network', 'create', '-d', 'overlay', '--subnet', '10.244.0.0/16', '-o', 'vni=7', 'ov'], { env: run() });
      assert.equal(created.code, 0, created.err);
      assert.match(created.out, /^[0-9a-f]{64}\n$/);
      assert.deepEqual(berthd.requests.map((r) => r.body), [{ name: 'ov', network: '10.244.0.0/16', vni: 7 }]);
      assert.equal((await h.berth(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}', '-f', 'type=custom'])).out, 'ov overlay global\n');
      const [net] = JSON.parse((await h.berth(['network', 'inspect', 'ov'])).out);
      assert.deepEqual([net.Driver, net.Scope, net.IPAM.Config], ['overlay', 'global', [{ Subnet: '10.244.0.0/16' }]]);
      assert.equal(net.Options['com.docker.network.driver.overlay.vxlanid_list'], '7');
      assert.deepEqual(await h.berth(['network', 'rm', 'ov']), { code: 0, out: 'ov\n', err: '' });
    });

    it('--ipv6 with an IPv4 and an IPv6 --subnet: a dual-stack overlay network, inspect shows EnableIPv6', async () => {
      berthd = await startFakeBerthd(join(h.root, 'run'));
      berthd.reply = (body) => ({ status: 201, body: { Network: body.network, SubnetLen: 24, IPv6Network: body.ipv6Network, IPv6SubnetLen: 64, Backend: { Type: 'vxlan', VNI: 1, Port: 4789 } } });
      const created = await h.berth(['network', 'create', '-d', 'overlay', '--subnet', '10.244.0.0/16', '--subnet', 'fd00:10:244::/48', '--ipv6', 'ov'], { env: run() });
      assert.equal(created.code, 0, created.err);
      assert.deepEqual(berthd.requests.map((r) => r.body), [{ name: 'ov', network: '10.244.0.0/16', ipv6Network: 'fd00:10:244::/48' }]);
      const [net] = JSON.parse((await h.berth(['network', 'inspect', 'ov'])).out);
      assert.deepEqual([net.EnableIPv6, net.IPAM.Config], [true, [{ Subnet: '10.244.0.0/16' }, { Subnet: 'fd00:10:244::/48' }]]);
    });

    it('refuses --ipv6 and a second --subnet where they cannot apply, naming the flag', async () => {
      const err = async (args: string[]) => (await h.berth(['network', 'create', ...args], { env: run() })).err;
      assert.match(await err(['--ipv6', '--subnet', 'fd00::/64', 'br6']), /--ipv6 is not supported by the bridge driver/);
      assert.match(await err(['--subnet', '10.1.0.0/16', '--subnet', '10.2.0.0/16', 'br2']), /only one --subnet is supported by the bridge driver \(got 2\)/);
      assert.match(await err(['-d', 'overlay', '--subnet', '10.1.0.0/16', '--subnet', '10.2.0.0/16', 'ov2']), /an overlay network takes one IPv4 and one IPv6 --subnet/);
    });

    it('without berthd: a clear error naming the socket', async () => {
      const r = await h.berth(['network', 'create', '-d', 'overlay', 'ov'], { env: run() });
      assert.deepEqual(r, { code: 1, out: '', err: `Error response from daemon: berthd is not running (no ${join(h.root, 'run', 'berthd.sock')}): start berthd to use overlay networks\n` });
    });

    it('berthd\'s refusal is shown as it said it', async () => {
      berthd = await startFakeBerthd(join(h.root, 'run'));
      berthd.reply = () => ({ status: 409, body: { error: 'VNI 7 is taken' } });
      const r = await h.berth(['network', 'create', '-d', 'overlay', '-o', 'vni=7', 'ov'], { env: run() });
      assert.deepEqual(r, { code: 1, out: '', err: 'Error response from daemon: berthd refused overlay network ov: VNI 7 is taken\n' });
    });
  });
});
