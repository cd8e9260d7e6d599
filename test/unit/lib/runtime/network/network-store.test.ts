import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NetworkError, NetworkStore } from '../../../../../lib/runtime/network';

function rejects(fn: () => unknown, message: string | RegExp, kind?: NetworkError['kind']): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NetworkError, String(err));
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    if (kind) assert.equal(err.kind, kind);
    return true;
  });
}

describe('lib/runtime/network/network-store', () => {
  let root: string;
  let store: NetworkStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-net-'));
    store = new NetworkStore({ root, cniDir: path.join(root, 'cni') });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists bridge, host and none from the start, persisted with stable ids', () => {
    const first = store.list();
    assert.deepEqual(first.map((n) => [n.name, n.driver, n.builtin]), [['bridge', 'bridge', true], ['host', 'host', true], ['none', 'null', true]]);
    for (const n of first) assert.match(n.id, /^[0-9a-f]{64}$/);
    assert.match(first[0]!.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'networks')).sort(), ['bridge.json', 'host.json', 'none.json']);
    const again = new NetworkStore({ root }).list();
    assert.deepEqual(again.map((n) => [n.id, n.created]), first.map((n) => [n.id, n.created]));
    const bridge = first[0]!;
    assert.equal(bridge.subnet, '10.87.0.0/16');
    assert.equal(bridge.gateway, '10.87.0.1');
    assert.equal(bridge.options['com.docker.network.bridge.name'], 'berth0');
    assert.equal(bridge.options['com.docker.network.bridge.default_bridge'], 'true');
  });

  it('creates user networks, listed after the built-ins by name, and finds them by name, id and prefix', () => {
    const b = store.create({ name: 'web', labels: { a: 'b' } });
    const a = store.create({ name: 'app', subnet: '192.168.50.0/24', gateway: '192.168.50.254', ipRange: '192.168.50.128/25', internal: true });
    assert.deepEqual(store.list().map((n) => n.name), ['bridge', 'host', 'none', 'app', 'web']);
    assert.equal(b.subnet, '10.88.0.0/16');
    assert.equal(b.gateway, '10.88.0.1');
    assert.deepEqual(b.labels, { a: 'b' });
    assert.equal(b.scope, 'local');
    assert.equal(b.builtin, false);
    assert.deepEqual([a.gateway, a.ipRange, a.internal], ['192.168.50.254', '192.168.50.128/25', true]);
    assert.deepEqual(store.get('web'), b);
    assert.deepEqual(store.get(b.id), b);
    assert.deepEqual(store.get(b.id.slice(0, 12)), b);
    const onDisk = JSON.parse(fs.readFileSync(path.join(root, 'networks', 'web.json'), 'utf8'));
    assert.deepEqual(onDisk, b);
    assert.equal(fs.statSync(path.join(root, 'networks', 'web.json')).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(path.join(root, 'networks')).filter((f) => f.includes('tmp')), []);
  });

  it('picks the next free /16 for each network without a subnet', () => {
    store.create({ name: 'n1' });
    store.create({ name: 'n2', subnet: '10.89.5.0/24' });
    assert.equal(store.create({ name: 'n3' }).subnet, '10.90.0.0/16');
  });

  it("refuses with Docker's messages", () => {
    store.create({ name: 'taken', subnet: '172.20.0.0/16' });
    rejects(() => store.create({ name: 'taken' }), 'network with name taken already exists', 'conflict');
    rejects(() => store.create({ name: 'bridge' }), 'network with name bridge already exists', 'conflict');
    rejects(() => store.create({ name: 'bad name' }), 'invalid network name "bad name": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed', 'invalid');
    for (const name of ['..', '../x', 'a/b', 'a\0b', '.hidden', '']) rejects(() => store.create({ name }), /invalid network name/);
    rejects(() => store.create({ name: 'x'.repeat(129) }), /at most 128 characters/);
    rejects(() => store.create({ name: 'o', subnet: '172.20.128.0/17' }), 'invalid pool request: Pool overlaps with other one on this address space', 'conflict');
    rejects(() => store.create({ name: 'o', subnet: '10.0.0.0/8' }), 'invalid pool request: Pool overlaps with other one on this address space');
    rejects(() => store.create({ name: 'o', subnet: '10.1.2.3/24' }), 'invalid subnet 10.1.2.3/24: it should be 10.1.2.0/24');
    rejects(() => store.create({ name: 'o', subnet: 'nope' }), 'invalid CIDR address: nope');
    rejects(() => store.create({ name: 'o', subnet: 'fd00::/64' }), /IPv4 only/);
    rejects(() => store.create({ name: 'o', subnet: '10.50.0.0/24', gateway: '10.51.0.1' }), 'no matching subnet for gateway 10.51.0.1');
    rejects(() => store.create({ name: 'o', subnet: '10.50.0.0/24', ipRange: '10.50.1.0/25' }), 'no matching subnet for ip-range 10.50.1.0/25');
    rejects(() => store.create({ name: 'o', gateway: '10.50.0.1' }), 'every ip-range or gateway must have a corresponding subnet');
    rejects(() => store.create({ name: 'o', driver: 'overlay' }), 'overlay networks are made through berthd: use createOverlay', 'invalid');
    rejects(() => store.create({ name: 'o', driver: 'ipvlan' as 'bridge' }), 'plugin "ipvlan" not found', 'not-found');
    rejects(() => store.create({ name: 'o', driver: 'host' as 'bridge' }), 'only one instance of "host" network is allowed');
    rejects(() => store.create({ name: 'o', options: { 'com.docker.network.driver.mtu': 'big' } }), /invalid value "big" for option com.docker.network.driver.mtu/);
    rejects(() => store.create({ name: 'o', options: { 'com.docker.network.bridge.enable_ip_masquerade': 'maybe' } }), /enable_ip_masquerade: expected true or false/);
    rejects(() => store.create({ name: 'o', options: { 'com.docker.network.bridge.name': 'berth0' } }), 'bridge name berth0 is already used by network bridge');
    rejects(() => store.create({ name: 'o', options: { 'com.docker.network.bridge.name': 'a-very-long-bridge-name' } }), /invalid interface name/);
    rejects(() => store.create({ name: 'o', driver: 'macvlan', options: { macvlan_mode: 'weird' } }), "requested macvlan mode 'weird' is not valid, 'bridge' mode is the macvlan driver default");
    store.create({ name: 'mv', driver: 'macvlan', subnet: '192.168.1.0/24', options: { parent: 'eth0' } });
    rejects(() => store.create({ name: 'mv2', driver: 'macvlan', subnet: '192.168.2.0/24', options: { parent: 'eth0' } }), 'network mv is already using parent interface eth0');
    rejects(() => store.get('nope'), 'network nope not found', 'not-found');
    // Nothing half-made is left behind by the refusals.
    assert.deepEqual(store.list().map((n) => n.name), ['bridge', 'host', 'none', 'mv', 'taken']);
  });

  it('reports an ambiguous id prefix', () => {
    for (let i = 0; i < 40; i++) store.create({ name: `n${i}`, subnet: `172.30.${i}.0/24` });
    const ids = store.list().map((n) => n.id[0]);
    const dup = ids.find((c, i) => ids.indexOf(c) !== i)!;
    rejects(() => store.get(dup), /^network [0-9a-f] is ambiguous \(\d+ matches found based on ID prefix\)$/);
  });

  it('removes user networks and their host-local dir, refusing built-ins and networks in use', () => {
    const net = store.create({ name: 'gone' });
    const leases = path.join(root, 'cni', 'networks', 'gone');
    fs.mkdirSync(leases, { recursive: true });
    fs.writeFileSync(path.join(leases, 'lock'), '');
    rejects(() => store.remove('bridge', () => []), 'bridge is a pre-defined network and cannot be removed', 'forbidden');
    rejects(() => store.remove('none', () => []), 'none is a pre-defined network and cannot be removed');
    rejects(() => store.remove('gone', (n) => (n === 'gone' ? ['c1'] : [])), `error while removing network: network gone id ${net.id} has active endpoints`, 'in-use');
    store.remove('gone', () => []);
    assert.equal(fs.existsSync(leases), false);
    rejects(() => store.get('gone'), 'network gone not found');
    // The name is free again.
    assert.notEqual(store.create({ name: 'gone' }).id, net.id);
  });

  it('follows a changed default bridge config, keeping id and created', () => {
    const before = store.list()[0]!;
    const other = new NetworkStore({ root, defaultBridge: { bridgeName: 'br9', subnet: '10.200.0.0/16' } }).list()[0]!;
    assert.deepEqual([other.id, other.created, other.subnet, other.options['com.docker.network.bridge.name']], [before.id, before.created, '10.200.0.0/16', 'br9']);
  });

  it("takes no killed publish's temp file (this version's or an earlier one's) for a network, nor for an unreadable one", () => {
    store.list();
    const dir = path.join(root, 'networks');
    fs.writeFileSync(path.join(dir, '.web.json.tmp-0123456789ab'), '{"name": "web"');
    fs.writeFileSync(path.join(dir, '.web.0123456789ab.tmp'), '{"name": "web"');
    assert.equal(store.create({ name: 'web' }).subnet, '10.88.0.0/16');
    assert.deepEqual(store.list().map((n) => n.name), ['bridge', 'host', 'none', 'web']);
  });

  it('never hands out the subnet of a network whose file cannot be read: create refuses, naming the file', () => {
    const held = store.create({ name: 'held' });
    assert.equal(held.subnet, '10.88.0.0/16');
    const file = path.join(root, 'networks', 'held.json');
    fs.writeFileSync(file, '{"name": "held", "subnet": "10.88.0.0/16", "id": tr');
    // Listing stays lenient: the stray file is left out of `network ls`.
    assert.deepEqual(store.list().map((n) => n.name), ['bridge', 'host', 'none']);
    rejects(() => store.create({ name: 'next' }), new RegExp(`^cannot choose a subnet while ${file} is unreadable \\(not JSON: .*\\): its subnet may be in use; repair or remove the file$`), 'unavailable');
    rejects(() => store.create({ name: 'next', subnet: '10.88.0.0/16' }), /^cannot choose a subnet while .*held\.json is unreadable/, 'unavailable');
    fs.writeFileSync(file, JSON.stringify({ ...held, subnet: '10.88.0.0/33' }));
    rejects(() => store.create({ name: 'next' }), /is unreadable \(subnet "10\.88\.0\.0\/33" is not a subnet\)/, 'unavailable');
    fs.rmSync(file);
    assert.equal(store.create({ name: 'next' }).subnet, '10.88.0.0/16');
  });

  it('waits a bounded time for a held store lock, then fails as unavailable (never a blocking flock)', async () => {
    store.list();
    const { withFileLock } = await import('../../../../../lib/sys/file-lock');
    const lock = path.join(root, 'networks', '.lock');
    await withFileLock(lock, { timeoutMs: 1000 }, () => {
      const impatient = new NetworkStore({ root, cniDir: path.join(root, 'cni'), lockTimeoutMs: 50 });
      rejects(() => impatient.create({ name: 'late' }), `the network store ${lock} is still locked by another process after 50 ms`, 'unavailable');
    });
    assert.equal(store.create({ name: 'late' }).name, 'late');
  });

  it('lets exactly one of many concurrent creates of a name win', async function () {
    this.timeout(60000); // four tsx start-ups
    const { fork } = await import('node:child_process');
    const script = path.join(root, 'race.ts');
    const storeModule = path.resolve(__dirname, '../../../../../lib/runtime/network');
    fs.writeFileSync(
      script,
      `import { NetworkStore } from ${JSON.stringify(storeModule)};\n` +
        `try { new NetworkStore({ root: ${JSON.stringify(root)} }).create({ name: 'race' }); process.send!('won'); }\n` +
        `catch (e) { process.send!((e as Error).message); }\n`,
    );
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<string>((resolve, reject) => {
          const child = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
          child.on('message', (m) => resolve(String(m)));
          child.on('error', reject);
        }),
      ),
    );
    assert.equal(results.filter((r) => r === 'won').length, 1, results.join('; '));
    assert.equal(results.filter((r) => r === 'network with name race already exists').length, 3);
    assert.equal(store.list().filter((n) => n.name === 'race').length, 1);
  });
});
