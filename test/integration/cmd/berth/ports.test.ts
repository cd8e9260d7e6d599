// `berth run -p` end to end: a container serving TCP and UDP (test/helpers/port-probe.cjs, run by the
// host's node, bind-mounted read-only) on the default bridge, reached through its published ports
// from an "outside" netns routed to the berth host netns, from the host itself (its address and
// 127.0.0.1) and from inside the container at the host's address (hairpin). `port`, `ps` and
// `inspect` show what was chosen; a taken port is refused; rm closes the ports and frees them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useBerth, waitFor } from '../../../helpers/berth';
import { ip, makeTestNetns, type TestNetns } from '../../../helpers/netns';
import { withNetns } from '../../../../lib/netns';

const PROBE = path.resolve(__dirname, '../../../helpers/port-probe.cjs');
const HOST_IP = '192.168.79.1';
/** What the container needs to run the host's node: its binary and libraries, read-only. */
const NODE_MOUNTS = ['/usr', '/lib', ...(fs.existsSync('/lib64') ? ['/lib64'] : [])].flatMap((d) => ['-v', `${d}:${d}:ro`]);

describe('berth CLI: published ports (-p, -P, port)', function () {
  this.timeout(90_000);
  const b = useBerth();
  let outside: TestNetns;

  before(() => {
    outside = makeTestNetns('out');
    const [h, x] = [b.host.name, outside.name];
    const hv = `bp${process.pid % 100000}`;
    ip(h, 'link', 'add', hv, 'type', 'veth', 'peer', 'name', 'up0', 'netns', x);
    ip(h, 'addr', 'add', `${HOST_IP}/24`, 'dev', hv);
    ip(h, 'link', 'set', hv, 'up');
    ip(h, 'link', 'set', 'lo', 'up');
    ip(x, 'addr', 'add', '192.168.79.2/24', 'dev', 'up0');
    ip(x, 'link', 'set', 'up0', 'up');
    ip(x, 'link', 'set', 'lo', 'up');
  });
  after(() => outside.remove());

  /** The probe client's answer from netns `ns` ("tcp-hello", "udp-hello" or "fail"). */
  const probe = (ns: TestNetns, proto: 'tcp' | 'udp', host: string, port: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = withNetns(ns, () => spawn(process.execPath, [PROBE, proto, host, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }));
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d));
      child.on('error', reject);
      child.on('close', () => resolve(out.trim()));
    });

  /** A detached container serving TCP 80 and UDP 53, with `flags` before the image. */
  const serve = async (name: string, flags: string[]): Promise<string> => {
    const id = await b.ok(['run', '-d', '--name', name, ...NODE_MOUNTS, '-v', `${path.dirname(PROBE)}:/probe:ro`, ...flags,
      'busybox', '/usr/bin/node', '/probe/port-probe.cjs', 'serve', '80', '53']);
    await waitFor(async () => (await b.ok(['logs', name])).includes('ready'), 20_000);
    return id;
  };

  it('-p maps TCP and UDP from outside, from the host and at 127.0.0.1, and hairpin; port/ps/inspect show it; rm closes and frees it', async () => {
    await serve('web', ['-p', '8080:80', '-p', '5353:53/udp', '-p', '127.0.0.1::80']);

    const lines = (await b.ok(['port', 'web'])).split('\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.deepEqual(lines.slice(0, 2), ['80/tcp -> 0.0.0.0:8080', '53/udp -> 0.0.0.0:5353']);
    const local = /^80\/tcp -> 127\.0\.0\.1:(\d+)$/.exec(lines[2]!);
    assert.ok(local, lines[2]);
    const ephemeral = Number(local[1]);
    const [lo, hi] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    assert.ok(ephemeral >= lo! && ephemeral <= hi!, `${ephemeral} in the ephemeral range ${lo}-${hi}`);
    assert.equal(await b.ok(['port', 'web', '53/udp']), '0.0.0.0:5353');
    const missing = await b.berth(['port', 'web', '81']);
    assert.deepEqual([missing.code, missing.stderr], [1, "berth: No public port '81/tcp' published for web\n"]);

    const ctr = await b.inspect('web');
    assert.deepEqual(ctr.HostConfig.PortBindings, {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: '' }],
      '53/udp': [{ HostIp: '', HostPort: '5353' }],
    });
    assert.deepEqual(ctr.NetworkSettings.Ports, {
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '127.0.0.1', HostPort: String(ephemeral) }],
    });
    assert.deepEqual(ctr.Config.ExposedPorts, { '53/udp': {}, '80/tcp': {} });
    const ps = await b.ok(['ps', '--format', '{{.Ports}}']);
    assert.equal(ps, `0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp, 127.0.0.1:${ephemeral}->80/tcp`);

    // The traffic: outside, the host at its own address and at loopback, the container at the host's address.
    assert.equal(await probe(outside, 'tcp', HOST_IP, 8080), 'tcp-hello');
    assert.equal(await probe(outside, 'udp', HOST_IP, 5353), 'udp-hello');
    assert.equal(await probe(b.host, 'tcp', HOST_IP, 8080), 'tcp-hello');
    assert.equal(await probe(b.host, 'tcp', '127.0.0.1', ephemeral), 'tcp-hello');
    assert.equal(await probe(outside, 'tcp', HOST_IP, ephemeral), 'fail', 'the 127.0.0.1 binding is not reachable from outside');
    const hairpin = await b.ok(['exec', 'web', '/usr/bin/node', '/probe/port-probe.cjs', 'tcp', HOST_IP, '8080']);
    assert.equal(hairpin, 'tcp-hello');

    // A second container cannot take 8080; its failed start leaves nothing of its own behind.
    const before = b.residue();
    const clash = await b.berth(['run', '-d', '--name', 'clash', '-p', '8080:80', 'busybox', 'sleep', '100']);
    assert.equal(clash.code, 125, clash.stderr);
    assert.match(clash.stderr, /Bind for 0\.0\.0\.0:8080 failed: port is already allocated/);
    assert.deepEqual(b.residue().veths, before.veths);
    assert.deepEqual(b.residue().leases, before.leases);
    await b.ok(['rm', '-f', 'clash']);

    await b.ok(['rm', '-f', 'web']);
    assert.equal(await probe(outside, 'tcp', HOST_IP, 8080), 'fail', 'closed after rm');
    assert.equal(await probe(outside, 'udp', HOST_IP, 5353), 'fail', 'closed after rm');
    assert.doesNotMatch(b.natRules(), /CNI-DN-|--dport 8080/, 'no DNAT rule left');

    // The port is free again for the next container.
    await serve('web2', ['-p', '8080:80']);
    assert.equal(await probe(outside, 'tcp', HOST_IP, 8080), 'tcp-hello');
  });

  it('-P publishes the --expose ports on ephemeral host ports; stop releases them (port and inspect show none)', async () => {
    await serve('pub', ['--expose', '80', '-P']);
    const [line] = (await b.ok(['port', 'pub'])).split('\n');
    const m = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(line!);
    assert.ok(m, line);
    assert.equal(await probe(outside, 'tcp', HOST_IP, Number(m[1])), 'tcp-hello');
    await b.ok(['stop', '-t', '1', 'pub']);
    assert.equal(await b.ok(['port', 'pub']), '');
    assert.deepEqual((await b.inspect('pub')).NetworkSettings.Ports, {});
    assert.equal(await probe(outside, 'tcp', HOST_IP, Number(m[1])), 'fail');
    assert.doesNotMatch(b.natRules(), /CNI-DN-/);
  });

  it('a host port that a host process listens on is refused, and a bad -p is a usage error naming the value', async () => {
    const listener: ChildProcess = withNetns(b.host, () => spawn(process.execPath, [PROBE, 'serve', '7070', '7071'], { stdio: ['ignore', 'pipe', 'inherit'] }));
    try {
      await new Promise<void>((resolve) => listener.stdout!.once('data', () => resolve()));
      const r = await b.berth(['run', '--rm', '-p', '7070:80', 'busybox', 'true']);
      assert.equal(r.code, 125, r.stderr);
      assert.match(r.stderr, /failed to bind host port for 0\.0\.0\.0:7070\/tcp: address already in use/);
    } finally {
      listener.kill('SIGKILL');
    }
    const bad = await b.berth(['run', '--rm', '-p', '80:http', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^berth: invalid containerPort: http\n/);
    const host = await b.berth(['run', '--rm', '--network', 'host', '-p', '80:80', 'busybox', 'true']);
    assert.equal(host.code, 0, host.stderr);
    assert.match(host.stderr, /WARNING: Published ports are discarded when using host network mode/);
  });
});
