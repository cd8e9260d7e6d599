// berth on an overlay network across two simulated hosts: each host runs the built berthd (file store)
// and the built berth CLI in its own netns with its own BERTH_ROOT / BERTH_CNI_DIR / cgroup parent and
// BERTH_RUN = that host's berthd run dir. `network create -d overlay` on host 1 stores the config,
// the same on host 2 joins it; a container on each pings the other across the VXLAN overlay, sits in
// its host's leased subnet with eth0 at the underlay MTU - 50, and is masqueraded to its host's
// underlay address when it talks outside the cluster CIDR. Removal leaves nothing behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BERTH_BIN, BerthSandbox, type Residue } from '../../../helpers/berth';
import { ip } from '../../../helpers/netns';
import { Cluster, DIST, berthSandboxOn, waitFor, type Host } from './three-hosts-harness';
import { skipUnless } from '../../../helpers/skip';

const NET = 'ov';
const CIDR = '10.250.0.0/16';
/** An address on the underlay outside the cluster CIDR that has no route back into the overlay. */
const OUTSIDE = '192.168.77.254';


/** What a sandbox left, without the host's own underlay veth (eth0, the harness's). */
const leftovers = (r: Residue): Partial<Residue> => Object.fromEntries(Object.entries({ ...r, veths: r.veths.filter((v) => !v.startsWith('eth0 ')) })
  .filter(([, v]) => v.length > 0));

describe('berth on an overlay network across two hosts', function () {
  this.timeout(120_000);
  let c: Cluster | undefined;
  let storeDir: string | undefined;
  let hosts: Host[];
  let sbs: BerthSandbox[] = [];
  const ids: Record<string, string> = {};
  const addrs: Record<string, string> = {};

  before(async function () {
    skipUnless(this, fs.existsSync(path.join(DIST, 'berthd')) && fs.existsSync(BERTH_BIN), `no ${path.join(DIST, 'berthd')} or ${BERTH_BIN}: run node scripts/build.mjs`);
    storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berthd-store-'));
    c = new Cluster(`file:${path.join(storeDir, 'store.json')}`);
    hosts = [1, 2].map((n) => c!.addHost(n));
    // The outside world: an address on the underlay bridge, with no route to the cluster CIDR.
    ip(c.underlay.name, 'addr', 'add', `${OUTSIDE}/24`, 'dev', 'ul0');
    for (const h of hosts) c.start(h, []);
    for (const h of hosts) {
      await waitFor(`berthd on host ${h.n}`, () => fs.existsSync(path.join(h.runDir, 'berthd.sock')))
        .catch((err) => { throw new Error(`${err.message}\n${c!.log(h)}`); });
    }
    sbs = hosts.map((h) => berthSandboxOn(h, 'ov'));
    await Promise.all(sbs.map((sb) => sb.ok(['image', 'busybox'])));
  });

  after(async function () {
    this.timeout(60_000);
    await teardown().catch((e) => problems.push(String(e)));
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  const problems: string[] = [];
  let tornDown = false;
  // Containers through berth, then berthd (SIGTERM), then each sandbox's checked clean-up, the
  // cluster and the store. Runs once: from the last test, or from after() when a test failed.
  async function teardown(): Promise<void> {
    if (tornDown) return;
    tornDown = true;
    for (const sb of sbs) {
      await sb.removeAllContainers().then((p) => void (p && problems.push(p)), (e) => void problems.push(String(e)));
    }
    if (c) for (const h of c.hosts) await c.kill(h, 'SIGTERM');
    for (const sb of sbs) await sb.cleanup().catch((e) => problems.push(String(e)));
    await c?.destroy();
    if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
  }

  it('creates the network on host 1 and joins it on host 2', async () => {
    const [sb1, sb2] = sbs as [BerthSandbox, BerthSandbox];
    const id1 = await sb1.ok(['network', 'create', '-d', 'overlay', '--subnet', CIDR, NET]);
    assert.match(id1, /^[0-9a-f]{64}$/);
    await sb2.ok(['network', 'create', '-d', 'overlay', '--subnet', CIDR, NET]);
    for (const [i, h] of hosts.entries()) {
      const lease = await waitFor(`host ${h.n}'s lease`, () => c!.leaseFile(h, NET));
      assert.equal(lease.network, CIDR);
      assert.equal(lease.mtu, 1450);
      assert.equal(lease.vni, c!.leaseFile(hosts[0]!, NET)!.vni, 'host 2 joined host 1\'s network (same VNI)');
      const [net] = JSON.parse(await sbs[i]!.ok(['network', 'inspect', NET])) as any[];
      assert.equal(net.Driver, 'overlay');
      assert.equal(net.IPAM.Config[0].Subnet, CIDR);
    }
  });

  it('runs a container on each host, in the host\'s leased subnet, with eth0 at MTU 1450', async () => {
    for (const [i, name] of ['ca', 'cb'].entries()) {
      const sb = sbs[i]!;
      ids[name] = await sb.ok(['run', '-d', '--network', NET, '--name', name, 'busybox', 'sleep', '300']);
      const lease = c!.leaseFile(hosts[i]!, NET)!;
      const [net] = JSON.parse(await sb.ok(['network', 'inspect', NET])) as any[];
      const entry = net.Containers[ids[name]!];
      assert.ok(entry, `network inspect lists ${name}: ${JSON.stringify(net.Containers)}`);
      assert.equal(entry.Name, name);
      const [addr, len] = String(entry.IPv4Address).split('/');
      addrs[name] = addr!;
      assert.equal(`/${len}`, `/${lease.subnet.split('/')[1]}`);
      assert.ok(inSubnet(addr!, lease.subnet), `${name}'s ${addr} is in host ${i + 1}'s subnet ${lease.subnet}`);
      assert.equal(await sb.ok(['exec', name, 'cat', '/sys/class/net/eth0/mtu']), '1450');
      // What the removal must take away later: the container's veth, lease, netns and cgroups.
      const left = leftovers(sb.residue());
      for (const k of ['veths', 'leases', 'netns', 'cgroups', 'chains'] as const) {
        assert.ok(left[k]?.some((e) => e.includes(ids[name]!)), `${k} holds ${name}: ${JSON.stringify(left)}`);
      }
    }
  });

  it('pings from a container on host 1 to one on host 2 and back', async () => {
    const out = await sbs[0]!.ok(['exec', 'ca', 'ping', '-c', '3', '-W', '2', addrs.cb!]);
    assert.match(out, /3 packets transmitted, 3 packets received/);
    const back = await sbs[1]!.ok(['exec', 'cb', 'ping', '-c', '1', '-W', '2', addrs.ca!]);
    assert.match(back, /1 packets received/);
  });

  it('masquerades traffic to an address outside the cluster CIDR, and only that', async () => {
    const save = sbs[0]!.natRules();
    const chain = [...save.matchAll(/^-A POSTROUTING -s (\S+) .*-j (CNI-[0-9a-f]+)$/gm)].find((m) => m[1] === `${addrs.ca}/32`)?.[2];
    assert.ok(chain, `a POSTROUTING jump for ${addrs.ca}:\n${save}`);
    const rules = save.split('\n').filter((l) => l.startsWith(`-A ${chain} `));
    assert.ok(rules.some((l) => l.includes(`-d ${CIDR}`) && l.endsWith('-j ACCEPT')), `the cluster CIDR is excluded:\n${rules.join('\n')}`);
    assert.ok(rules.some((l) => l.endsWith('-j MASQUERADE')), rules.join('\n'));
    // The underlay address has no route back to 10.250/16: a reply arrives only if the source was
    // rewritten to host 1's underlay address.
    const out = await sbs[0]!.ok(['exec', 'ca', 'ping', '-c', '2', '-W', '2', OUTSIDE]);
    assert.match(out, /2 packets received/);
    const counted = execFileSync('ip', ['netns', 'exec', hosts[0]!.ns.name, 'iptables-save', '-c', '-t', 'nat'], { encoding: 'utf8' });
    const masq = counted.split('\n').find((l) => l.includes(`-A ${chain} `) && l.endsWith('-j MASQUERADE'));
    assert.ok(masq && !/^\[0:0\]/.test(masq), `the MASQUERADE rule counted packets: ${masq}`);
  });

  it('embedded DNS: a second container on host 1 resolves ca by name through the resolver on the host\'s overlay gateway', async () => {
    const sb = sbs[0]!;
    const lease = c!.leaseFile(hosts[0]!, NET)!;
    const gateway = lease.subnet.replace(/\.0\/\d+$/, '.1');
    await sb.ok(['run', '-d', '--network', NET, '--name', 'ca2', '--network-alias', 'second', 'busybox', 'sleep', '300']);
    try {
      assert.match(await sb.ok(['exec', 'ca2', 'cat', '/etc/resolv.conf']), new RegExp(`^nameserver ${gateway.replace(/\./g, '\\.')}$`, 'm'));
      const out = await sb.ok(['exec', 'ca2', 'nslookup', '-type=a', 'ca']);
      assert.match(out, new RegExp(`Name:\\s+ca\\nAddress: ${addrs.ca!.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(await sb.ok(['exec', 'ca', 'nslookup', '-type=a', 'second']), /Name:\s+second\nAddress: 10\.250\./);
    } finally {
      await sb.ok(['rm', '-f', 'ca2']);
    }
  });

  it('removes the containers and the network and leaves nothing behind', async () => {
    for (const [i, name] of ['ca', 'cb'].entries()) {
      await sbs[i]!.ok(['rm', '-f', name]);
      await sbs[i]!.ok(['network', 'rm', NET]);
      assert.deepEqual(leftovers(sbs[i]!.residue()), {});
      assert.doesNotMatch(sbs[i]!.natRules(), /CNI-/);
      const ls = await sbs[i]!.ok(['network', 'ls']);
      assert.doesNotMatch(ls, /\bov\b/);
    }
  });

  it('stops berthd and removes every netns, cgroup and directory', async () => {
    const daemons = c!.hosts.map((h) => h.daemon!);
    const netns = [...c!.hosts.flatMap((h) => [h.ns.name, h.ctr.name]), c!.underlay.name];
    const dirs = [c!.dir, storeDir!];
    await teardown();
    assert.deepEqual(problems, []);
    for (const d of daemons) assert.ok(d.exitCode !== null || d.signalCode !== null, 'berthd exited');
    const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const n of netns) assert.ok(!names.includes(n), `netns ${n} removed`);
    for (const d of dirs) assert.equal(fs.existsSync(d), false, `${d} removed`);
    for (const sb of sbs) assert.deepEqual(sb.cgroupDirs(), []);
  });
});


function inSubnet(addr: string, cidr: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [base, len] = cidr.split('/');
  const mask = Number(len) === 0 ? 0 : (0xffffffff << (32 - Number(len))) >>> 0;
  return ((toInt(addr) & mask) >>> 0) === ((toInt(base!) & mask) >>> 0);
}