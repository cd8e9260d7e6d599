// The BUILT portmap (dist/bin/portmap; `npm run build` first) with real traffic. Per test: a "host"
// netns with a bridge and the container behind it (10.99.0.2, fd99::2), and an "outside" netns routed
// through the host (192.168.77.2, fd77::2) playing a client on the network. A TCP and UDP server runs
// in the container; after ADD the mapped host ports reach it from outside (IPv4 and IPv6), from the
// host itself (its own address and 127.0.0.1) and from the container (hairpin); after DEL they do not.
// The reference portmap (Debian's, /usr/lib/cni) runs the same scenarios: the same reachability, and
// each plugin's DEL removes the other's rules. The nftables backend runs them too.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { withNetns } from '../../../lib/netns';
import { ip, makeTestNetns, useNetnsPair, type TestNetns } from '../../helpers/netns';
import { runPluginInNetns, type Run } from '../../helpers/run-plugin';
import { skipUnless } from '../../helpers/skip';

const DIST = path.resolve(__dirname, '../../../dist/bin');
const REFERENCE = '/usr/lib/cni/portmap';
const PROBE = path.resolve(__dirname, '../../helpers/port-probe.cjs');
const ID = 'pm-ctr-1';
const NET = 'pm-net';

describe('plugins/portmap (built executable, real traffic)', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  let outside: TestNetns;
  let server: ChildProcess | undefined;
  const nsPath = (n: TestNetns): string => `/run/netns/${n.name}`;

  before(() => {
    if (!fs.existsSync(path.join(DIST, 'portmap'))) throw new Error(`${DIST}/portmap is missing: run \`npm run build\` first`);
  });
  beforeEach(async () => {
    outside = makeTestNetns('out');
    const [h, c, x] = [ns.host.name, ns.container.name, outside.name];
    // No duplicate address detection on the new links (link-local ones included): a first IPv6 probe
    // must not race a tentative address.
    for (const n of [ns.host, ns.container, outside]) {
      withNetns(n, () => { for (const k of ['all', 'default']) fs.writeFileSync(`/proc/sys/net/ipv6/conf/${k}/accept_dad`, '0'); });
    }
    ip(h, 'link', 'set', 'lo', 'up');
    ip(h, 'link', 'add', 'br0', 'type', 'bridge');
    ip(h, 'addr', 'add', '10.99.0.1/24', 'dev', 'br0');
    ip(h, 'addr', 'add', 'fd99::1/64', 'dev', 'br0', 'nodad');
    ip(h, 'link', 'set', 'br0', 'up');
    ip(h, 'link', 'add', 'vc', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', c);
    ip(h, 'link', 'set', 'vc', 'master', 'br0', 'up');
    // Hairpin, as the bridge plugin's hairpinMode sets it (and the kubelet asks for): with
    // br_netfilter loaded, a container's packet to its own host port is DNATed while it is bridged and
    // must leave by the port it came in on.
    ip(h, 'link', 'set', 'vc', 'type', 'bridge_slave', 'hairpin', 'on');
    ip(c, 'link', 'set', 'lo', 'up');
    ip(c, 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0');
    ip(c, 'addr', 'add', 'fd99::2/64', 'dev', 'eth0', 'nodad');
    ip(c, 'link', 'set', 'eth0', 'up');
    ip(c, 'route', 'add', 'default', 'via', '10.99.0.1');
    ip(c, '-6', 'route', 'add', 'default', 'via', 'fd99::1');
    ip(h, 'link', 'add', 'xh', 'type', 'veth', 'peer', 'name', 'xo', 'netns', x);
    ip(h, 'addr', 'add', '192.168.77.1/24', 'dev', 'xh');
    ip(h, 'addr', 'add', 'fd77::1/64', 'dev', 'xh', 'nodad');
    ip(h, 'link', 'set', 'xh', 'up');
    ip(x, 'addr', 'add', '192.168.77.2/24', 'dev', 'xo');
    ip(x, 'addr', 'add', 'fd77::2/64', 'dev', 'xo', 'nodad');
    ip(x, 'link', 'set', 'xo', 'up');
    ip(x, 'route', 'add', 'default', 'via', '192.168.77.1');
    ip(x, '-6', 'route', 'add', 'default', 'via', 'fd77::1');
    for (const key of ['ipv4/ip_forward', 'ipv6/conf/all/forwarding']) withNetns(ns.host, () => fs.writeFileSync(`/proc/sys/net/${key}`, '1'));
    server = await startServer(ns.container);
  });
  afterEach(() => {
    server?.kill('SIGKILL');
    server = undefined;
    outside.remove();
  });

  const prevResult = () => ({
    cniVersion: '1.0.0',
    interfaces: [{ name: 'br0' }, { name: 'vc' }, { name: 'eth0', sandbox: nsPath(ns.container) }],
    ips: [
      { interface: 2, address: '10.99.0.2/24', gateway: '10.99.0.1' },
      { interface: 2, address: 'fd99::2/64', gateway: 'fd99::1' },
    ],
  });
  const conf = (extra: object = {}) => ({
    cniVersion: '1.0.0', name: NET, type: 'portmap', ...extra,
    runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostPort: 5353, containerPort: 53, protocol: 'udp' }] },
  });
  const call = (bin: string, command: string, config: object): Promise<Run> =>
    runPluginInNetns(ns.host, bin, { command, cniPath: DIST, netns: nsPath(ns.container), containerID: ID }, config);
  const ok = (r: Run, what: string): Run => {
    assert.equal(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
    return r;
  };

  /** Every way in to the mapped ports, and what answered (`fail` for nothing). */
  const reach = async (): Promise<Record<string, string>> => ({
    'outside tcp': await probe(outside, 'tcp', '192.168.77.1', 8080),
    'outside udp': await probe(outside, 'udp', '192.168.77.1', 5353),
    'outside tcp6': await probe(outside, 'tcp', 'fd77::1', 8080),
    'host tcp (own address)': await probe(ns.host, 'tcp', '192.168.77.1', 8080),
    'host tcp (127.0.0.1)': await probe(ns.host, 'tcp', '127.0.0.1', 8080),
    'container hairpin tcp': await probe(ns.container, 'tcp', '192.168.77.1', 8080),
  });
  const ALL = {
    'outside tcp': 'tcp-hello', 'outside udp': 'udp-hello', 'outside tcp6': 'tcp-hello',
    'host tcp (own address)': 'tcp-hello', 'host tcp (127.0.0.1)': 'tcp-hello', 'container hairpin tcp': 'tcp-hello',
  };
  const NONE = Object.fromEntries(Object.keys(ALL).map((k) => [k, 'fail']));
  const natRules = (family: 4 | 6) => withNetns(ns.host, () => spawnText(family === 4 ? 'iptables-save' : 'ip6tables-save', ['-t', 'nat']));
  const hostportChains = (family: 4 | 6) => natRules(family).split('\n').filter((l) => /^-A .*CNI-DN-/.test(l));

  it('iptables: the mapped ports reach the container from outside, the host and itself; DEL closes them', async () => {
    const bin = path.join(DIST, 'portmap');
    assert.deepEqual(await reach(), NONE, 'nothing is mapped yet');
    const add = ok(await call(bin, 'ADD', { ...conf(), prevResult: prevResult() }), 'ADD');
    assert.deepEqual(add.json.ips, prevResult().ips, 'the result is prevResult');
    assert.deepEqual(await reach(), ALL);
    assert.equal(hostportChains(4).length, 6 + 2, 'three rules per mapping and two jumps (IPv4)');
    assert.equal(hostportChains(6).length, 4 + 2, 'two rules per mapping and two jumps (IPv6: no localhost rule)');
    ok(await call(bin, 'CHECK', { ...conf(), prevResult: prevResult() }), 'CHECK');
    ok(await call(bin, 'ADD', { ...conf(), prevResult: prevResult() }), 'ADD again');
    assert.equal(hostportChains(4).length, 8, 'a repeated ADD rewrites the chain, it adds nothing');
    ok(await call(bin, 'DEL', conf()), 'DEL');
    assert.deepEqual([...hostportChains(4), ...hostportChains(6)], []);
    assert.deepEqual(await reach(), NONE);
    const check = await call(bin, 'CHECK', { ...conf(), prevResult: prevResult() });
    assert.equal(check.json?.code, 114, check.stdout);
    ok(await call(bin, 'DEL', { cniVersion: '1.0.0', name: NET, type: 'portmap' }), 'DEL again, without mappings');
  });

  it('nftables: the same reachability, in table cni_hostport; DEL closes the ports', async () => {
    const bin = path.join(DIST, 'portmap');
    ok(await call(bin, 'ADD', { ...conf({ backend: 'nftables' }), prevResult: prevResult() }), 'ADD');
    assert.deepEqual(await reach(), ALL);
    assert.deepEqual(hostportChains(4), [], 'no iptables rules');
    ok(await call(bin, 'CHECK', { ...conf({ backend: 'nftables' }), prevResult: prevResult() }), 'CHECK');
    ok(await call(bin, 'DEL', conf({ backend: 'nftables' })), 'DEL');
    assert.deepEqual(await reach(), NONE);
    const left = withNetns(ns.host, () => spawnText('nft', ['list', 'table', 'ip', 'cni_hostport']));
    assert.doesNotMatch(left, /comment "pm-ctr-1"/);
  });

  it("gives the reference's reachability, and each plugin's DEL removes the other's rules", async function () {
    skipUnless(this, fs.existsSync(REFERENCE), `the reference portmap (${REFERENCE}, Debian's containernetworking-plugins)`);
    const ours = path.join(DIST, 'portmap');
    const seen: Record<string, unknown> = {};
    for (const [who, adder, deleter] of [['berth', ours, REFERENCE], ['reference', REFERENCE, ours]] as const) {
      ok(await call(adder, 'ADD', { ...conf(), prevResult: prevResult() }), `${who} ADD`);
      const afterAdd = await reach();
      const rules = [...hostportChains(4), ...hostportChains(6)];
      ok(await call(deleter, 'DEL', conf()), `the other's DEL after ${who} ADD`);
      seen[who] = { afterAdd, rules, afterDel: await reach(), leftAfterDel: [...hostportChains(4), ...hostportChains(6)] };
    }
    assert.deepEqual(seen.berth, seen.reference);
  });

  it('flushes the stale UDP conntrack entry of a mapped port, so a client that sent before ADD gets through', async () => {
    const bin = path.join(DIST, 'portmap');
    // An ADD and DEL first, so that the host netns's nat hooks exist and conntrack tracks the client.
    ok(await call(bin, 'ADD', { ...conf(), prevResult: prevResult() }), 'ADD');
    ok(await call(bin, 'DEL', conf()), 'DEL');
    assert.equal(await probe(outside, 'udp', '192.168.77.1', 5353, 40000), 'fail', 'unmapped: the host has no listener');
    ok(await call(bin, 'ADD', { ...conf(), prevResult: prevResult() }), 'ADD again');
    assert.equal(await probe(outside, 'udp', '192.168.77.1', 5353, 40000), 'udp-hello', 'the same 5-tuple is translated now');
    ok(await call(bin, 'DEL', conf()), 'DEL');
  });

  it('refuses bad mappings with code 7 naming the key, and leaves no rule', async () => {
    const bin = path.join(DIST, 'portmap');
    const bad = [
      [{ hostPort: 0, containerPort: 80 }, '/runtimeConfig/portMappings/0/hostPort'],
      [{ hostPort: 80, containerPort: 70000 }, '/runtimeConfig/portMappings/0/containerPort'],
      [{ hostPort: 80, containerPort: 80, protocol: 'icmp' }, '/runtimeConfig/portMappings/0/protocol'],
      [{ hostPort: 80, containerPort: 80, hostIP: '10.0.0.300' }, '/runtimeConfig/portMappings/0/hostIP'],
    ] as const;
    for (const [mapping, key] of bad) {
      const r = await call(bin, 'ADD', { cniVersion: '1.0.0', name: NET, type: 'portmap', runtimeConfig: { portMappings: [mapping] }, prevResult: prevResult() });
      assert.equal(r.json?.code, 7, r.stdout);
      assert.ok(r.json.msg.includes(key), r.json.msg);
    }
    const both = await call(bin, 'ADD', { ...conf({ markMasqBit: 5, externalSetMarkChain: 'X' }), prevResult: prevResult() });
    assert.match(both.json?.msg ?? '', /Cannot specify externalSetMarkChain and markMasqBit/);
    const unchained = await call(bin, 'ADD', conf());
    assert.match(unchained.json?.msg ?? '', /must be called as chained plugin/);
    assert.deepEqual([...hostportChains(4), ...hostportChains(6)], []);
  });

  /** Starts the container's server; resolves once it listens. */
  function startServer(where: TestNetns): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      const child = withNetns(where, () => spawn(process.execPath, [PROBE, 'serve', '80', '53'], { stdio: ['ignore', 'pipe', 'inherit'] }));
      child.stdout!.on('data', (d: Buffer) => { if (String(d).includes('ready')) resolve(child); });
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`the probe server exited (${code})`)));
    });
  }
});

/** One client attempt from `where`: the server's answer, or `fail`. */
function probe(where: TestNetns, proto: 'tcp' | 'udp', host: string, port: number, sourcePort?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = [PROBE, proto, host, String(port), ...(sourcePort === undefined ? [] : [String(sourcePort)])];
    const child = withNetns(where, () => spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] }));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim()));
  });
}

/** Synchronous, so it runs in the netns that withNetns switched the thread to. */
function spawnText(program: string, args: string[]): string {
  return execFileSync(program, args, { encoding: 'utf8' });
}
