// `network create -d overlay` against a fake berthd (fake-berthd.ts) on a unix socket under a temp
// BERTH_RUN.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { NetworkError, NetworkStore, dockerNetworkInspect, postOverlayNetwork, type NetworkInfo } from '../../../../../lib/runtime/network';
import { startFakeBerthd, type FakeBerthd } from './fake-berthd';

describe('lib/runtime/network overlay networks (fake berthd)', () => {
  let root: string;
  let runDir: string;
  let store: NetworkStore;
  let berthd: FakeBerthd | undefined;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ovnet-'));
    runDir = path.join(root, 'run');
    store = new NetworkStore({ root, cniDir: path.join(root, 'cni'), runDir, now: () => new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(async () => {
    await berthd?.close();
    berthd = undefined;
    fs.rmSync(root, { recursive: true, force: true });
  });

  const rejects = async (p: Promise<unknown>, kind: NetworkError['kind'], msg: RegExp): Promise<void> => {
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof NetworkError, String(err));
      assert.equal(err.kind, kind, err.message);
      assert.match(err.message, msg);
      return true;
    });
  };

  it('POSTs the request, records the network (driver overlay, scope global, the cluster CIDR) and its conflist', async () => {
    berthd = await startFakeBerthd(runDir);
    const net = await store.createOverlay({ name: 'ov', driver: 'overlay', subnet: '10.244.0.0/16', options: { vni: '42', port: '8472', subnet_len: '26' }, labels: { a: 'b' } });
    assert.deepEqual(berthd.requests, [{ method: 'POST', url: '/v1/networks', body: { name: 'ov', network: '10.244.0.0/16', subnetLen: 26, vni: 42, port: 8472 } }]);
    assert.match(net.created, /^2026-01-01T00:00:00(\.\d{1,9})?Z$/);
    assert.deepEqual({ ...net, id: '', created: '' }, {
      name: 'ov', id: '', driver: 'overlay', scope: 'global', created: '', internal: false, subnet: '10.244.0.0/16',
      overlay: { runDir, vni: 42, port: 8472, subnetLen: 26 },
      options: { vni: '42', port: '8472', subnet_len: '26', 'com.docker.network.driver.overlay.vxlanid_list': '42' },
      labels: { a: 'b' }, builtin: false,
    });
    assert.deepEqual(store.get('ov'), net);
    assert.deepEqual(JSON.parse(store.conflist(net).bytes.toString()), {
      cniVersion: '1.1.0',
      name: 'ov',
      plugins: [{ type: 'overlay', runDir, dataDir: path.join(root, 'cni', 'networks'), capabilities: { ips: true, mac: true } }],
    });
    const inspect = dockerNetworkInspect(net, [], () => undefined);
    assert.deepEqual([inspect.Driver, inspect.Scope, inspect.IPAM.Config], ['overlay', 'global', [{ Subnet: '10.244.0.0/16' }]]);
  });

  it('without --subnet proposes a /16 that overlaps no local network, and only the options given', async () => {
    berthd = await startFakeBerthd(runDir);
    store.create({ name: 'b1', subnet: '10.88.0.0/16' });
    const net = await store.createOverlay({ name: 'ov', driver: 'overlay' });
    assert.deepEqual(berthd.requests[0]!.body, { name: 'ov', network: '10.89.0.0/16' });
    assert.equal(net.subnet, '10.89.0.0/16');
  });

  it('joins a network another host created: berthd\'s stored config wins over the proposal', async () => {
    berthd = await startFakeBerthd(runDir);
    berthd.reply = () => ({ status: 200, body: { Network: '10.50.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 9, Port: 4789 } } });
    const net = await store.createOverlay({ name: 'ov', driver: 'overlay' });
    assert.deepEqual([net.subnet, net.overlay], ['10.50.0.0/16', { runDir, vni: 9, port: 4789, subnetLen: 24 }]);
  });

  it('reads berthd\'s answer bare or wrapped as {name, config, created} (cmd/berthd\'s API)', async () => {
    berthd = await startFakeBerthd(runDir);
    berthd.reply = () => ({ status: 201, body: { name: 'ov', config: { Network: '10.51.0.0/16', SubnetLen: 25, Backend: { Type: 'vxlan', VNI: 3, Port: 4789 } }, created: false } });
    const net = await store.createOverlay({ name: 'ov', driver: 'overlay' });
    assert.deepEqual([net.subnet, net.overlay?.subnetLen, net.overlay?.vni], ['10.51.0.0/16', 25, 3]);
  });

  it('an explicit --subnet that disagrees with the stored config is a conflict, and nothing is recorded', async () => {
    berthd = await startFakeBerthd(runDir);
    berthd.reply = () => ({ status: 200, body: { Network: '10.50.0.0/16', SubnetLen: 24, Backend: { Type: 'vxlan', VNI: 9, Port: 4789 } } });
    await rejects(store.createOverlay({ name: 'ov', driver: 'overlay', subnet: '10.244.0.0/16' }), 'conflict', /already exists in berthd's store with subnet 10\.50\.0\.0\/16 \(asked for 10\.244\.0\.0\/16\): leave out --subnet to join it/);
    assert.deepEqual(store.list().map((n) => n.name), ['bridge', 'host', 'none']);
  });

  it('berthd not running: no socket, or a socket nobody listens on', async () => {
    const sock = path.join(runDir, 'berthd.sock');
    await rejects(store.createOverlay({ name: 'ov', driver: 'overlay' }), 'unavailable', new RegExp(`^berthd is not running \\(no ${sock}\\): start berthd to use overlay networks$`));
    berthd = await startFakeBerthd(runDir);
    await berthd.close();
    berthd = undefined;
    fs.writeFileSync(sock, ''); // a stale path left by a killed berthd (here: not even a socket)
    await rejects(store.createOverlay({ name: 'ov', driver: 'overlay' }), 'unavailable', /^berthd is not running \(nothing listens on .*\): start berthd/);
  });

  it('berthd\'s refusals keep its error text; 409 is a conflict, other 4xx invalid, 5xx unavailable', async () => {
    berthd = await startFakeBerthd(runDir);
    const cases: Array<[number, unknown, NetworkError['kind'], RegExp]> = [
      [409, { error: 'VNI 42 is used by network x' }, 'conflict', /^berthd refused overlay network ov: VNI 42 is used by network x$/],
      [400, { error: 'bad subnetLen' }, 'invalid', /bad subnetLen/],
      [500, { error: 'etcd unavailable' }, 'unavailable', /etcd unavailable/],
      [502, 'upstream down', 'unavailable', /upstream down/],
      [201, { Network: '10.244.0.0/16' }, 'unavailable', /berthd answered something that is not an overlay config/],
    ];
    for (const [status, body, kind, msg] of cases) {
      berthd.reply = () => ({ status, body });
      await rejects(store.createOverlay({ name: 'ov', driver: 'overlay' }), kind, msg);
    }
    assert.equal(store.list().length, 3);
  });

  it('checks the request before asking berthd: name, options, flags an overlay cannot have, overlaps', async () => {
    berthd = await startFakeBerthd(runDir);
    store.create({ name: 'b1', subnet: '10.244.1.0/24' });
    const bad: Array<[Parameters<NetworkStore['createOverlay']>[0], NetworkError['kind'], RegExp]> = [
      [{ name: '../x', driver: 'overlay' }, 'invalid', /invalid network name "\.\.\/x"/],
      [{ name: 'b1', driver: 'overlay' }, 'conflict', /network with name b1 already exists/],
      [{ name: 'ov', driver: 'overlay', options: { vni: '0' } }, 'invalid', /invalid value "0" for option vni: an integer from 1 to 16777215/],
      [{ name: 'ov', driver: 'overlay', options: { vni: '16777216' } }, 'invalid', /option vni/],
      [{ name: 'ov', driver: 'overlay', options: { port: 'x' } }, 'invalid', /invalid value "x" for option port: an integer from 1 to 65535/],
      [{ name: 'ov', driver: 'overlay', subnet: '10.9.0.0/16', options: { subnet_len: '16' } }, 'invalid', /option subnet_len: an integer from 17 to 30/],
      [{ name: 'ov', driver: 'overlay', options: { 'com.docker.network.driver.mtu': '1400' } }, 'invalid', /option com\.docker\.network\.driver\.mtu is not supported by the overlay driver/],
      [{ name: 'ov', driver: 'overlay', subnet: '10.9.0.0/16', gateway: '10.9.0.1' }, 'invalid', /--gateway is not supported by the overlay driver/],
      [{ name: 'ov', driver: 'overlay', subnet: '10.9.0.0/16', ipRange: '10.9.0.0/24' }, 'invalid', /--ip-range is not supported/],
      [{ name: 'ov', driver: 'overlay', internal: true }, 'invalid', /--internal is not supported/],
      [{ name: 'ov', driver: 'overlay', subnet: '10.244.0.0/16' }, 'conflict', /Pool overlaps with other one/],
      [{ name: 'ov', driver: 'overlay', subnet: '10.244.0.1/16' }, 'invalid', /it should be 10\.244\.0\.0\/16/],
    ];
    for (const [req, kind, msg] of bad) await rejects(store.createOverlay(req), kind, msg);
    assert.deepEqual(berthd.requests, [], 'berthd was never asked');
  });

  it('create() refuses the overlay driver (it needs berthd: createOverlay)', () => {
    assert.throws(() => store.create({ name: 'ov', driver: 'overlay' }), /use createOverlay/);
  });

  it('postOverlayNetwork times out on a berthd that does not answer', async () => {
    fs.mkdirSync(runDir, { recursive: true });
    const sock = path.join(runDir, 'berthd.sock');
    const server = http.createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      await rejects(postOverlayNetwork(sock, { name: 'ov', network: '10.9.0.0/16' }, { timeoutMs: 50 }), 'unavailable', /did not answer within 50 ms/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('remove drops the record and the network\'s host-local directory', async () => {
    berthd = await startFakeBerthd(runDir);
    const net: NetworkInfo = await store.createOverlay({ name: 'ov', driver: 'overlay' });
    fs.mkdirSync(path.join(root, 'cni', 'networks', net.name), { recursive: true });
    store.remove('ov', () => []);
    assert.equal(fs.existsSync(path.join(root, 'cni', 'networks', 'ov')), false);
    assert.throws(() => store.get('ov'), /network ov not found/);
  });

  describe('dual-stack (--ipv6 with an IPv6 --subnet)', () => {
    const dualReply = (body: any) => ({
      status: 201,
      body: { Network: body.network, SubnetLen: 24, ...(body.ipv6Network ? { IPv6Network: body.ipv6Network, IPv6SubnetLen: body.ipv6SubnetLen ?? 64 } : {}), Backend: { Type: 'vxlan', VNI: 1, Port: 4789 } },
    });

    it('sends ipv6Network (and ipv6_subnet_len), records it, and inspect shows EnableIPv6 and both IPAM configs', async () => {
      berthd = await startFakeBerthd(runDir);
      berthd.reply = dualReply;
      const net = await store.createOverlay({ name: 'ov', driver: 'overlay', subnet: '10.244.0.0/16', ipv6Subnet: 'fd00:10:244::/48', enableIPv6: true, options: { ipv6_subnet_len: '56' } });
      assert.deepEqual(berthd.requests[0]!.body, { name: 'ov', network: '10.244.0.0/16', ipv6Network: 'fd00:10:244::/48', ipv6SubnetLen: 56 });
      assert.equal(net.ipv6Subnet, 'fd00:10:244::/48');
      assert.equal(net.overlay!.ipv6SubnetLen, 56);
      const doc = dockerNetworkInspect(store.get('ov'), [], () => undefined);
      assert.equal(doc.EnableIPv6, true);
      assert.deepEqual(doc.IPAM.Config, [{ Subnet: '10.244.0.0/16' }, { Subnet: 'fd00:10:244::/48' }]);
    });

    it('refuses what cannot be dual-stack, naming the flag, before asking berthd', async () => {
      berthd = await startFakeBerthd(runDir);
      const req = { name: 'ov', driver: 'overlay' as const, subnet: '10.244.0.0/16' };
      await rejects(store.createOverlay({ ...req, enableIPv6: true }), 'invalid', /--ipv6 on an overlay network needs an IPv6 --subnet/);
      await rejects(store.createOverlay({ ...req, ipv6Subnet: 'fd00::/48' }), 'invalid', /invalid subnet fd00::\/48: an IPv6 subnet needs --ipv6/);
      await rejects(store.createOverlay({ ...req, ipv6Subnet: 'fd00::1/48', enableIPv6: true }), 'invalid', /invalid subnet fd00::1\/48: it should be fd00::\/48/);
      await rejects(store.createOverlay({ ...req, ipv6Subnet: 'nope:', enableIPv6: true }), 'invalid', /invalid CIDR address: nope:/);
      await rejects(store.createOverlay({ ...req, options: { ipv6_subnet_len: '64' } }), 'invalid', /option ipv6_subnet_len needs --ipv6/);
      assert.deepEqual(berthd.requests, []);
    });

    it('joining: a stored IPv6 subnet other than the one asked for is a conflict; without --ipv6 the stored one is joined', async () => {
      berthd = await startFakeBerthd(runDir);
      berthd.reply = () => dualReply({ network: '10.244.0.0/16', ipv6Network: 'fd00:99::/48' });
      await rejects(store.createOverlay({ name: 'ov', driver: 'overlay', subnet: '10.244.0.0/16', ipv6Subnet: 'fd00:10:244::/48', enableIPv6: true }),
        'conflict', /already exists in berthd's store with IPv6 subnet fd00:99::\/48 \(asked for fd00:10:244::\/48\)/);
      const joined = await store.createOverlay({ name: 'ov', driver: 'overlay', subnet: '10.244.0.0/16' });
      assert.equal(joined.ipv6Subnet, 'fd00:99::/48');
    });
  });
});
