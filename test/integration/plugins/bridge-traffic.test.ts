// Packets through attachments made by the BUILT bridge: two containers and the gateway reach each
// other; with ipMasq a datagram reaches an "outside" netns with the host's address as its source;
// hairpin mode sends frames back out of the port they came in on. Uses /usr/bin/python3 (raw ICMP
// and UDP sockets) because this machine has no ping.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ip, makeTestNetns, useNetnsPair, type TestNetns } from '../../helpers/netns';
import { bridgeConf, inNs, nsPath, ok, runPlugin } from './bridge-harness';
import { skipUnless } from '../../helpers/skip';

const PYTHON = '/usr/bin/python3';

/** One ICMP echo (raw socket, as root) from inside `ns`; true when `dst` answered within ~3 s. */
function ping(ns: TestNetns, dst: string): boolean {
  const script = `
import socket, struct, sys, os, time
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
ident = os.getpid() & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(1)
for seq in range(1, 4):
    body = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + b'berth-ping'
    pkt = body[:2] + struct.pack('!H', csum(body)) + body[4:]
    s.sendto(pkt, (sys.argv[1], 0))
    end = time.time() + 1
    while time.time() < end:
        try:
            data, addr = s.recvfrom(1500)
        except socket.timeout:
            break
        hl = (data[0] & 0x0f) * 4
        t, _, _, i, q = struct.unpack('!BBHHH', data[hl:hl + 8])
        if t == 0 and i == ident and addr[0] == sys.argv[1]:
            sys.exit(0)
sys.exit(1)
`;
  try {
    execFileSync('ip', ['netns', 'exec', ns.name, PYTHON, '-c', script, dst], { timeout: 10_000, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('plugins/bridge traffic (built executable)', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  let dataDir: string;
  const extra: TestNetns[] = [];
  before(function () {
    skipUnless(this, fs.existsSync(PYTHON), `no ${PYTHON}: install python3 (scripts/setup.sh)`);
  });
  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-br-it-')); });
  afterEach(() => {
    for (const n of extra.splice(0)) n.remove();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const more = (role: string): TestNetns => {
    const n = makeTestNetns(role);
    extra.push(n);
    return n;
  };
  const add = (conf: object, ctr: TestNetns, containerID: string) =>
    runPlugin({ host: ns.host, command: 'ADD', netns: nsPath(ctr), containerID }, conf).then((r) => ok(r, 'ADD'));

  it('two containers ping each other and the gateway', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true });
    const second = more('ctr2');
    const a = await add(conf, ns.container, 'a');
    const b = await add(conf, second, 'b');
    const ipA = a.json.ips[0].address.split('/')[0];
    const ipB = b.json.ips[0].address.split('/')[0];
    assert.ok(ping(ns.container, ipB), `a -> b (${ipB})`);
    assert.ok(ping(second, ipA), `b -> a (${ipA})`);
    assert.ok(ping(ns.container, '10.77.0.1'), 'a -> gateway');
    assert.ok(ping(second, '10.77.0.1'), 'b -> gateway');
  });

  it('ipMasq: a datagram from a container reaches an outside netns from the host address', async () => {
    const outside = more('out');
    // The host's uplink: a veth from the host netns to the "outside" world, 192.0.2.0/24 (TEST-NET-1).
    ip(ns.host.name, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'op0', 'netns', outside.name);
    ip(ns.host.name, 'addr', 'add', '192.0.2.1/24', 'dev', 'up0');
    ip(ns.host.name, 'link', 'set', 'up0', 'up');
    ip(outside.name, 'addr', 'add', '192.0.2.2/24', 'dev', 'op0');
    ip(outside.name, 'link', 'set', 'op0', 'up');
    const conf = bridgeConf('1.0.0', dataDir, { isDefaultGateway: true, ipMasq: true });
    await add(conf, ns.container, 'm');

    const server = spawn('ip', ['netns', 'exec', outside.name, PYTHON, '-u', '-c',
      "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('192.0.2.2',9999))\nprint('ready',flush=True)\ns.settimeout(8)\nd,a=s.recvfrom(64)\nprint(a[0],d.decode(),flush=True)"]);
    let out = '';
    const ready = new Promise<void>((resolve) => server.stdout.on('data', (d: Buffer) => { out += d; if (out.includes('ready')) resolve(); }));
    const done = new Promise<void>((resolve) => server.on('close', () => resolve()));
    await ready;
    inNs(ns.container, [PYTHON, '-c', "import socket\nfor i in range(3): socket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b'hello',('192.0.2.2',9999))"]);
    await done;
    const seen = out.split('\n').find((l) => l.includes('hello'));
    assert.equal(seen, '192.0.2.1 hello', `the outside saw ${JSON.stringify(out)}`);
  });

  it('without ipMasq the outside sees the container address (the control case)', async () => {
    const outside = more('out');
    ip(ns.host.name, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'op0', 'netns', outside.name);
    ip(ns.host.name, 'addr', 'add', '192.0.2.1/24', 'dev', 'up0');
    ip(ns.host.name, 'link', 'set', 'up0', 'up');
    ip(outside.name, 'addr', 'add', '192.0.2.2/24', 'dev', 'op0');
    ip(outside.name, 'link', 'set', 'op0', 'up');
    await add(bridgeConf('1.0.0', dataDir, { isDefaultGateway: true }), ns.container, 'n');
    const server = spawn('ip', ['netns', 'exec', outside.name, PYTHON, '-u', '-c',
      "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('192.0.2.2',9999))\nprint('ready',flush=True)\ns.settimeout(8)\nd,a=s.recvfrom(64)\nprint(a[0],flush=True)"]);
    let out = '';
    await new Promise<void>((resolve) => server.stdout.on('data', (d: Buffer) => { out += d; if (out.includes('ready')) resolve(); }));
    const done = new Promise<void>((resolve) => server.on('close', () => resolve()));
    inNs(ns.container, [PYTHON, '-c', "import socket\nfor i in range(3): socket.socket(socket.AF_INET,socket.SOCK_DGRAM).sendto(b'x',('192.0.2.2',9999))"]);
    await done;
    assert.match(out, /^ready\n10\.77\.0\.2\n/);
  });

  /**
   * Two VEPA macvlans on the container's eth0 (each in its own netns) must talk through the bridge:
   * VEPA sends everything out of the lower device, so their frames come back in through the very port
   * they left by, which only a hairpin port allows.
   */
  async function vepaPair(hairpinMode: boolean): Promise<boolean> {
    await add(bridgeConf('1.0.0', dataDir, { hairpinMode }, null), ns.container, 'h');
    const [x, y] = [more('vx'), more('vy')];
    for (const [n, dev, addr] of [[x, 'mvx', '10.78.0.1/24'], [y, 'mvy', '10.78.0.2/24']] as const) {
      ip(ns.container.name, 'link', 'add', dev, 'link', 'eth0', 'type', 'macvlan', 'mode', 'vepa');
      ip(ns.container.name, 'link', 'set', dev, 'netns', n.name);
      ip(n.name, 'addr', 'add', addr, 'dev', dev);
      ip(n.name, 'link', 'set', dev, 'up');
    }
    return ping(x, '10.78.0.2');
  }

  it('hairpinMode: frames go back out of the port they came in on', async () => {
    assert.equal(await vepaPair(true), true);
  });

  it('without hairpinMode they do not (the control case)', async () => {
    assert.equal(await vepaPair(false), false);
  });
});
