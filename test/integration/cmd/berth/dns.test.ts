// Embedded DNS on user networks, end to end: busybox containers on a user bridge network resolve each
// other by name, --network-alias and short ID (nslookup inside the container, through the resolver
// berthd serves on the network's gateway), PTR gives name.network, a container of another network
// does not resolve, rm makes a name disappear at once, other names are forwarded to the host's
// resolver (a tiny UDP server in a test netns, named by a test resolv.conf) or to --dns, a raw TCP
// query is answered, and a berthd killed and started again answers the same. The default bridge keeps
// the host's resolvers, and --dns-search/--dns-option/--add-host land in resolv.conf and hosts.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TYPE, decodeMessage, encodeMessage, recordAddress, type Message } from '../../../../lib/dns';
import { formatIP } from '../../../../lib/ip';
import { useBerth, waitFor } from '../../../helpers/berth';
import { makeTestNetns, type TestNetns } from '../../../helpers/netns';

const UPSTREAM_HOST_SIDE = '10.233.7.1';
const UPSTREAM = '10.233.7.2';
const UNROUTED = '10.233.99.1';
const EXTERNAL_NAME = 'outside.example.test';
const EXTERNAL_IP = '192.0.2.77';

describe('berth CLI: embedded DNS on user networks', function () {
  this.timeout(120_000);
  const b = useBerth();
  let upstreamNs: TestNetns | undefined;
  let upstream: ChildProcess | undefined;
  let resolvConf: string;

  before(async function () {
    this.timeout(60_000);
    // The "host's" resolver: a veth from berth's host netns to a netns holding the tiny server.
    upstreamNs = makeTestNetns('up');
    const [hv, uv] = [`bt-dh${process.pid % 10000}`, `bt-du${process.pid % 10000}`];
    execFileSync('ip', ['-n', b.host.name, 'link', 'add', hv, 'type', 'veth', 'peer', 'name', uv, 'netns', upstreamNs.name]);
    execFileSync('ip', ['-n', b.host.name, 'addr', 'add', `${UPSTREAM_HOST_SIDE}/24`, 'dev', hv]);
    execFileSync('ip', ['-n', b.host.name, 'link', 'set', hv, 'up']);
    execFileSync('ip', ['-n', upstreamNs.name, 'addr', 'add', `${UPSTREAM}/24`, 'dev', uv]);
    execFileSync('ip', ['-n', upstreamNs.name, 'link', 'set', uv, 'up']);
    execFileSync('ip', ['-n', upstreamNs.name, 'link', 'set', 'lo', 'up']);
    upstream = spawn('ip', ['netns', 'exec', upstreamNs.name, process.execPath, path.resolve(__dirname, '../../../fixtures/tiny-dns-server.cjs'), UPSTREAM, EXTERNAL_NAME, EXTERNAL_IP], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      upstream!.stdout!.once('data', () => resolve());
      upstream!.once('exit', (code) => reject(new Error(`the test's DNS server exited ${code}`)));
    });
    resolvConf = path.join(b.base, 'host-resolv.conf');
    // No search line: busybox's nslookup reports only the last search-list try, which would hide the answer.
    fs.writeFileSync(resolvConf, `nameserver ${UPSTREAM}\noptions attempts:3\n`);
    b.env.BERTH_RESOLV_CONF = resolvConf;
    await b.ok(['network', 'create', '--subnet', '10.231.0.0/24', 'dnsnet']);
    await b.ok(['network', 'create', '--subnet', '10.232.0.0/24', 'othernet']);
  });

  after(async function () {
    this.timeout(60_000);
    await b.removeAllContainers();
    await b.stopBerthd();
    upstream?.kill('SIGTERM');
    if (upstream && upstream.exitCode === null) await new Promise((r) => upstream!.once('exit', r));
    upstreamNs?.remove();
  });

  const berthdLog = (): string => {
    try { return fs.readFileSync(path.join(b.run, 'berthd.log'), 'utf8').slice(-3000); } catch { return 'no berthd.log'; }
  };

  const ipv4Of = async (name: string): Promise<string> => ((await b.inspect(name)).NetworkSettings.Networks as Record<string, { IPAddress: string }>)[
    Object.keys((await b.inspect(name)).NetworkSettings.Networks)[0]!]!.IPAddress;

  /** nslookup inside `from`: the A addresses of the answer, or the error line. */
  async function lookupIn(from: string, name: string): Promise<{ code: number | null; addresses: string[]; out: string }> {
    const r = await b.berth(['exec', from, 'nslookup', '-type=a', name]);
    const out = r.stdout + r.stderr;
    // The answer section follows the server's own "Address: <gw>:53" line.
    const answer = out.split(/\n\s*\n/).slice(1).join('\n');
    return { code: r.code, addresses: [...answer.matchAll(/Address: ([0-9.]+)$/gm)].map((m) => m[1]!), out };
  }

  it('resolves name, alias and short ID to the container address; another network and the default bridge do not see them', async () => {
    const webId = await b.ok(['run', '-d', '--name', 'web', '--network', 'dnsnet', '--network-alias', 'frontend', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'client', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'stranger', '--network', 'othernet', 'busybox', 'sleep', '1000']);
    const webIp = await ipv4Of('web');
    assert.match(webIp, /^10\.231\.0\.\d+$/);
    const ep = (await b.inspect('web')).NetworkSettings.Networks.dnsnet;
    assert.deepEqual(ep.Aliases, ['frontend']);
    assert.deepEqual(ep.DNSNames, ['web', webId.slice(0, 12), 'frontend']);

    const resolv = await b.ok(['exec', 'client', 'cat', '/etc/resolv.conf']);
    assert.equal(resolv, 'nameserver 10.231.0.1\noptions attempts:3 ndots:0');
    for (const name of ['web', 'frontend', webId.slice(0, 12), 'web.dnsnet', 'WEB']) {
      const r = await lookupIn('client', name);
      assert.equal(r.code, 0, r.out);
      assert.deepEqual(r.addresses, [webIp], `${name}: ${r.out}`);
    }
    // The container's own name resolves for itself too.
    assert.deepEqual((await lookupIn('web', 'client')).addresses, [await ipv4Of('client')]);

    // othernet's container asks its own resolver: dnsnet's names are no names there (forwarded, and
    // the upstream says NXDOMAIN); an unknown name in its own network's domain is NXDOMAIN from berth.
    const other = await lookupIn('stranger', 'web');
    assert.notEqual(other.code, 0, other.out);
    assert.deepEqual(other.addresses, []);
    assert.match(other.out, /NXDOMAIN/);
    assert.match((await lookupIn('stranger', 'nosuch.othernet')).out, /NXDOMAIN/);
    // Sending to dnsnet's resolver from othernet (routed by the host) is refused: no container of dnsnet asks.
    const cross = await b.berth(['exec', 'stranger', 'nslookup', '-type=a', 'web', '10.231.0.1']);
    assert.match(cross.stdout + cross.stderr, /REFUSED/);
    assert.doesNotMatch(cross.stdout, new RegExp(webIp.replace(/\./g, '\\.')));

    // The default bridge: no embedded DNS, the host's (test) resolvers as today.
    const def = await b.ok(['run', '--rm', 'busybox', 'cat', '/etc/resolv.conf']);
    assert.equal(def, `nameserver ${UPSTREAM}\noptions attempts:3`);
    // On a user network --dns-search and --dns-option join the resolver's file.
    const custom = await b.ok(['run', '--rm', '--network', 'dnsnet', '--dns-search', 'corp.example.test', '--dns-option', 'ndots:2', 'busybox', 'cat', '/etc/resolv.conf']);
    assert.equal(custom, 'nameserver 10.231.0.1\nsearch corp.example.test\noptions ndots:2');
  });

  it('PTR of a container address gives name.network; rm makes the name disappear at once', async () => {
    await b.ok(['run', '-d', '--name', 'gone', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'asker', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    const goneIp = await ipv4Of('gone');
    const ptr = await b.ok(['exec', 'asker', 'nslookup', goneIp]);
    assert.match(ptr, new RegExp(`${goneIp.split('.').reverse().join('\\.')}\\.in-addr\\.arpa\\s+name = gone\\.dnsnet`));
    assert.deepEqual((await lookupIn('asker', 'gone')).addresses, [goneIp]);
    await b.ok(['rm', '-f', 'gone']);
    const after = await lookupIn('asker', 'gone');
    assert.deepEqual(after.addresses, [], after.out);
    assert.match(after.out, /NXDOMAIN/);
    assert.match((await lookupIn('asker', 'gone.dnsnet')).out, /NXDOMAIN/);
  });

  it('network connect/disconnect: a connected container resolves and is resolved on the new network (with --alias), at once both ways', async () => {
    await b.ok(['run', '-d', '--name', 'hub', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'visitor', '--network', 'othernet', 'busybox', 'sleep', '1000']);
    assert.deepEqual((await lookupIn('hub', 'visitor')).addresses, []);
    await b.ok(['network', 'connect', '--alias', 'guest', 'dnsnet', 'visitor']);
    const visitorOnDnsnet = (await b.inspect('visitor')).NetworkSettings.Networks.dnsnet.IPAddress as string;
    assert.match(visitorOnDnsnet, /^10\.231\.0\.\d+$/);
    for (const name of ['visitor', 'guest']) assert.deepEqual((await lookupIn('hub', name)).addresses, [visitorOnDnsnet], name);
    // The visitor asks its own (othernet) resolver and sees dnsnet's names too.
    assert.deepEqual((await lookupIn('visitor', 'hub')).addresses, [await ipv4Of('hub')]);
    await b.ok(['network', 'disconnect', 'dnsnet', 'visitor']);
    assert.match((await lookupIn('hub', 'guest')).out, /NXDOMAIN/);
    assert.match((await lookupIn('visitor', 'hub')).out, /NXDOMAIN/);
  });

  it('forwards other names to the host\'s resolver and to --dns; SERVFAIL when no upstream answers', async () => {
    await b.ok(['run', '-d', '--name', 'fwd', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    const r = await lookupIn('fwd', EXTERNAL_NAME);
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.addresses, [EXTERNAL_IP]);
    // --dns replaces the host's servers as the forwarding target (resolv.conf still names berth's resolver).
    await b.ok(['run', '-d', '--name', 'fwd2', '--network', 'dnsnet', '--dns', UPSTREAM, 'busybox', 'sleep', '1000']);
    assert.deepEqual((await lookupIn('fwd2', EXTERNAL_NAME)).addresses, [EXTERNAL_IP]);
    assert.match(await b.ok(['exec', 'fwd2', 'cat', '/etc/resolv.conf']), /^nameserver 10\.231\.0\.1$/m);
    assert.deepEqual((await b.inspect('fwd2')).HostConfig.Dns, [UPSTREAM]);
    // A --dns server that cannot be reached (the sandbox's host netns has no route to it, so no packet
    // leaves the machine): SERVFAIL.
    await b.ok(['run', '-d', '--name', 'deaf', '--network', 'dnsnet', '--dns', UNROUTED, 'busybox', 'sleep', '1000']);
    const dead = await b.berth(['exec', 'deaf', 'nslookup', '-type=a', EXTERNAL_NAME]);
    assert.match(dead.stdout + dead.stderr, /SERVFAIL/, berthdLog());
    // Names of containers still answer without any upstream.
    assert.deepEqual((await lookupIn('deaf', 'fwd')).addresses, [await ipv4Of('fwd')]);
  });

  it('answers a raw query over TCP from inside a container', async () => {
    await b.ok(['run', '-d', '--name', 'tcpweb', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'tcpclient', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    const query: Message = {
      id: 0x4242, flags: { qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, rcode: 0 },
      questions: [{ name: 'tcpweb', type: TYPE.A, class: 1 }], answers: [], authorities: [], additionals: [],
    };
    const q = encodeMessage(query);
    const framed = Buffer.concat([Buffer.from([q.length >> 8, q.length & 0xff]), q]);
    const octal = [...framed].map((x) => `\\${x.toString(8).padStart(3, '0')}`).join('');
    // busybox nc stops reading the socket when its stdin ends: stdin stays open a moment longer.
    const hex = await b.ok(['exec', 'tcpclient', 'sh', '-c', `(printf '${octal}'; sleep 2) | nc 10.231.0.1 53 | od -An -v -tx1`]);
    const bytes = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
    assert.equal(bytes.readUInt16BE(0), bytes.length - 2, 'one length-prefixed answer');
    const answer = decodeMessage(bytes.subarray(2));
    assert.equal(answer.id, 0x4242);
    assert.equal(answer.flags.rcode, 0);
    assert.deepEqual(answer.answers.map((rr) => formatIP(recordAddress(rr)!)), [await ipv4Of('tcpweb')]);
  });

  it('a berthd killed with SIGKILL and started again (by the next berth run) answers the same names', async () => {
    await b.ok(['run', '-d', '--name', 'keeper', '--network', 'dnsnet', '--network-alias', 'kept', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'watcher', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    const keeperIp = await ipv4Of('keeper');
    assert.deepEqual((await lookupIn('watcher', 'kept')).addresses, [keeperIp]);
    const [pid] = b.berthdPids();
    assert.ok(pid !== undefined, 'berth started a berthd');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !fs.existsSync(`/proc/${pid}`), 5000);
    const down = await b.berth(['exec', 'watcher', 'nslookup', '-type=a', 'kept'], { timeoutMs: 30_000 });
    assert.notEqual(down.code, 0, 'no resolver while berthd is down');
    // The next container on a DNS network brings berthd back; it reads the names from the stores.
    await b.ok(['run', '-d', '--name', 'late', '--network', 'dnsnet', 'busybox', 'sleep', '1000']);
    const [pid2] = b.berthdPids();
    assert.ok(pid2 !== undefined && pid2 !== pid, 'a new berthd');
    for (const [name, ip] of [['kept', keeperIp], ['keeper', keeperIp], ['late', await ipv4Of('late')]] as const) {
      assert.deepEqual((await lookupIn('watcher', name)).addresses, [ip], name);
    }
  });

  it('--dns-search, --dns-option and --add-host on the default bridge; bad values refused with Docker\'s messages', async () => {
    const out = await b.ok(['run', '--rm', '--dns', '192.0.2.53', '--dns-search', 'a.example', '--dns-search', 'b.example', '--dns-option', 'ndots:3',
      '--add-host', 'db:192.0.2.10', '--add-host', 'v6host=[2001:db8::1]', '--add-host', 'gw:host-gateway', 'busybox', 'sh', '-c', 'cat /etc/resolv.conf; echo ---; cat /etc/hosts']);
    const [resolv, hosts] = out.split('---\n') as [string, string];
    assert.equal(resolv, 'nameserver 192.0.2.53\nsearch a.example b.example\noptions ndots:3\n');
    assert.match(hosts, /^192\.0\.2\.10\tdb$/m);
    assert.match(hosts, /^2001:db8::1\tv6host$/m);
    assert.match(hosts, /^10\.87\.0\.1\tgw$/m);
    assert.match(hosts, /^10\.87\.\d+\.\d+\t[0-9a-f]{12}$/m, 'the own address stays last');
    for (const [args, message] of [
      [['--dns', 'not-an-ip'], 'invalid argument "not-an-ip" for "--dns" flag: IP address is not correctly formatted: not-an-ip'],
      [['--dns-search', '-bad-'], 'invalid argument "-bad-" for "--dns-search" flag: -bad- is not a valid domain'],
      [['--add-host', 'nocolon'], 'invalid argument "nocolon" for "--add-host" flag: bad format for add-host: "nocolon"'],
      [['--add-host', 'h:999.1.1.1'], 'invalid argument "h:999.1.1.1" for "--add-host" flag: invalid IP address in add-host: "999.1.1.1"'],
      [['--network-alias', 'x'], 'network-scoped alias is supported only for containers in user defined networks'],
    ] as const) {
      const r = await b.berth(['run', '--rm', ...args, 'busybox', 'true']);
      assert.equal(r.code, 125, r.stderr);
      assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
    }
  });
});
