// The kubelet's path to berth's plugins: a private containerd (with its CRI plugin) started in a
// throwaway "host" netns, CNI_PATH holding berth's executables alone (dist/bin, no reference plugin),
// and a conflist of bridge + host-local + portmap as kubelet nodes have; containerd runs loopback
// itself. Driven over CRI runtime.v1 as the kubelet drives it: RunPodSandbox, PodSandboxStatus,
// StopPodSandbox, RemovePodSandbox. Proves the pod IPs, pod-to-pod traffic and a hostPort, and that
// stop and remove leave no veth, lease, netns or rule, across 20 pods and a containerd restart.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openNetns, withNetns } from '../../../lib/netns';
import { CONTAINERD_BIN, startContainerd, type TestContainerd } from '../../helpers/containerd';
import { ipJson, makeTestNetns, type TestNetns } from '../../helpers/netns';
import { skipUnless } from '../../helpers/skip';

const DIST = path.resolve(__dirname, '../../../dist/bin');
const REFERENCE_DIR = '/usr/lib/cni';
const PROBE = path.resolve(__dirname, '../../helpers/port-probe.cjs');
const SUBNET = '10.234.0.0/24';
const GATEWAY = '10.234.0.1';

describe('the kubelet path: containerd CRI with berth plugins alone', function () {
  this.timeout(300_000);
  let host: TestNetns;
  let ctrd: TestContainerd;
  let ipamDir: string;
  const netnsBefore = new Set<string>();
  // Pods get a cgroup parent of this run's own (containerd's default, /k8s.io, would stay behind), and
  // containerd's fixed /run/containerd (shim sockets, runc state) goes afterwards if it was not there.
  const cgroupParent = `/berth-cri-${process.pid}`;
  let runContainerdExisted = true;

  before(async function () {
    skipUnless(this, fs.existsSync(CONTAINERD_BIN), `no ${CONTAINERD_BIN}: install containerd (scripts/setup.sh)`);
    for (const f of ['bridge', 'host-local', 'portmap', 'loopback']) assert.ok(fs.existsSync(path.join(DIST, f)), `${DIST}/${f}: run npm run build`);
    for (const n of listNetns()) netnsBefore.add(n);
    runContainerdExisted = fs.existsSync('/run/containerd');
    host = makeTestNetns('cri');
    withNetns(host, () => {
      fs.writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
      execFileSync('ip', ['link', 'set', 'lo', 'up']);
    });
    ipamDir = fs.mkdtempSync('/tmp/berth-cri-ipam-');
    ctrd = await startContainerd(host, DIST, conflist(ipamDir));
  });
  after(async () => {
    await ctrd?.destroy();
    host?.remove();
    if (ipamDir) fs.rmSync(ipamDir, { recursive: true, force: true });
    for (const hierarchy of fs.readdirSync('/sys/fs/cgroup')) {
      const dir = path.join('/sys/fs/cgroup', hierarchy, cgroupParent);
      if (fs.existsSync(dir)) fs.rmdirSync(dir);
    }
    if (!runContainerdExisted) fs.rmSync('/run/containerd', { recursive: true, force: true });
  });

  it('answers CRI Version with containerd', async () => {
    const v = await ctrd.cri.version();
    assert.equal(v.runtimeName, 'containerd');
    assert.equal(v.runtimeApiVersion, 'v1');
  });

  it('runs two pods: IPs in the subnet, they ping each other, a hostPort reaches a server; stop and remove leave nothing', async () => {
    const a = await ctrd.cri.runPodSandbox({ name: 'pod-a', uid: 'uid-a', cgroupParent, portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 18080 }] });
    const b = await ctrd.cri.runPodSandbox({ name: 'pod-b', uid: 'uid-b', cgroupParent });
    const [sa, sb] = [await ctrd.cri.podSandboxStatus(a), await ctrd.cri.podSandboxStatus(b)];
    for (const s of [sa, sb]) {
      assert.equal(s.state, 'SANDBOX_READY');
      assert.match(s.ip, /^10\.234\.0\.\d+$/);
      assert.ok(s.netns && fs.existsSync(s.netns), `the pod netns ${s.netns}`);
    }
    assert.notEqual(sa.ip, sb.ip);
    assert.equal(veths().length, 2, 'one veth per pod on the bridge');
    assert.equal(leases().length, 2);
    // The loopback plugin (run by containerd for every pod) left lo up.
    assert.ok(podLinks(sa.netns!).find((l) => l.ifname === 'lo')?.flags.includes('UP'), 'lo is up in the pod');
    assert.equal(ping(sa.netns!, sb.ip), true, 'pod a reaches pod b');
    assert.equal(ping(sb.netns!, sa.ip), true, 'pod b reaches pod a');
    const server = await serve(sa.netns!);
    try {
      assert.equal(await probe(host, GATEWAY, 18080), 'tcp-hello', 'the hostPort reaches the server in pod a');
      assert.equal(await probe(host, '127.0.0.1', 18080), 'tcp-hello', 'also from localhost');
    } finally {
      server.kill('SIGKILL');
    }
    assert.ok(hostportRules().length > 0, 'portmap wrote its rules');
    for (const id of [a, b]) {
      await ctrd.cri.stopPodSandbox(id);
      await ctrd.cri.removePodSandbox(id);
    }
    assertNothingLeft();
    assert.equal(await probe(host, GATEWAY, 18080), 'fail', 'the hostPort is closed');
  });

  it('20 pods in a loop, half of them removed after a containerd restart, leave nothing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await ctrd.cri.runPodSandbox({ name: `loop-${i}`, uid: `uid-loop-${i}`, cgroupParent, portMappings: i % 2 ? [{ protocol: 'UDP', containerPort: 53, hostPort: 15300 + i }] : [] }));
    assert.equal(veths().length, 20);
    const ips = new Set(await Promise.all(ids.map(async (id) => (await ctrd.cri.podSandboxStatus(id)).ip)));
    assert.equal(ips.size, 20, 'twenty distinct addresses');
    for (const id of ids.slice(0, 10)) {
      await ctrd.cri.stopPodSandbox(id);
      await ctrd.cri.removePodSandbox(id);
    }
    await ctrd.stop();
    await ctrd.start();
    for (const id of ids.slice(10)) {
      await ctrd.cri.stopPodSandbox(id);
      await ctrd.cri.removePodSandbox(id);
    }
    assertNothingLeft();
  });

  it('RunPodSandbox latency, berth plugins against the reference plugins (printed, not asserted)', async function () {
    skipUnless(this, fs.existsSync(path.join(REFERENCE_DIR, 'bridge')), `the reference plugins (${REFERENCE_DIR})`);
    const timings: Record<string, number[]> = { berth: [], reference: [] };
    for (const [who, dir] of [['berth', DIST], ['reference', REFERENCE_DIR]] as const) {
      // containerd re-reads CNI_PATH contents on each call: swap the directory's executables.
      swapPlugins(ctrd.cniBin, dir);
      for (let i = 0; i < 8; i++) {
        const t0 = process.hrtime.bigint();
        const id = await ctrd.cri.runPodSandbox({ name: `lat-${who}-${i}`, uid: `uid-lat-${who}-${i}`, cgroupParent });
        timings[who]!.push(Number(process.hrtime.bigint() - t0) / 1e6);
        await ctrd.cri.stopPodSandbox(id);
        await ctrd.cri.removePodSandbox(id);
      }
    }
    swapPlugins(ctrd.cniBin, DIST);
    const p50 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    console.log(`      RunPodSandbox p50: berth ${p50(timings.berth!).toFixed(0)} ms, reference ${p50(timings.reference!).toFixed(0)} ms (ratio ${(p50(timings.berth!) / p50(timings.reference!)).toFixed(2)})`);
    assertNothingLeft();
  });

  function conflist(dataDir: string) {
    return {
      cniVersion: '1.0.0',
      name: 'berth-cri',
      plugins: [
        {
          type: 'bridge', bridge: 'bt-cri0', isGateway: true, ipMasq: true, hairpinMode: true,
          ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: SUBNET, gateway: GATEWAY }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    };
  }
  function veths(): string[] {
    return (ipJson(host.name, 'link', 'show') as { ifname: string; linkinfo?: { info_kind?: string } }[]).filter((l) => l.linkinfo?.info_kind === 'veth').map((l) => l.ifname);
  }
  function leases(): string[] {
    const dir = path.join(ipamDir, 'berth-cri');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : [];
  }
  function natRules(): string[] {
    return withNetns(host, () => execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })).split('\n').filter((l) => l.startsWith('-A'));
  }
  function hostportRules(): string[] {
    return natRules().filter((l) => /CNI-DN-/.test(l));
  }
  function assertNothingLeft(): void {
    assert.deepEqual(veths(), [], 'no veth');
    assert.deepEqual(leases(), [], 'no lease');
    assert.deepEqual(hostportRules(), [], 'no portmap chain');
    assert.deepEqual(natRules().filter((l) => /-j CNI-[0-9a-f]{24}\b/.test(l)), [], 'no masquerade chain');
    // containerd names a pod netns cni-<uuid>; other tests may make and remove their own meanwhile.
    assert.deepEqual(listNetns().filter((n) => n.startsWith('cni-') && !netnsBefore.has(n)), [], 'no pod netns');
  }
  function podLinks(netns: string): { ifname: string; flags: string[] }[] {
    const ns = openNetns(netns);
    try {
      return JSON.parse(withNetns(ns, () => execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })));
    } finally {
      ns.close();
    }
  }
  function ping(netns: string, ip: string): boolean {
    const ns = openNetns(netns);
    try {
      withNetns(ns, () => execFileSync('ping', ['-c', '1', '-W', '2', ip], { stdio: 'ignore' }));
      return true;
    } catch {
      return false;
    } finally {
      ns.close();
    }
  }
  function serve(netns: string): Promise<ChildProcess> {
    const ns = openNetns(netns);
    try {
      const child = withNetns(ns, () => spawn(process.execPath, [PROBE, 'serve', '80', '53'], { stdio: ['ignore', 'pipe', 'inherit'] }));
      return new Promise((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => { if (String(d).includes('ready')) resolve(child); });
        child.on('error', reject);
      });
    } finally {
      ns.close();
    }
  }
});

function probe(where: TestNetns, hostIp: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = withNetns(where, () => spawn(process.execPath, [PROBE, 'tcp', hostIp, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] }));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim()));
  });
}

function listNetns(): string[] {
  return fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns') : [];
}

/** Makes `dir` hold copies of `from`'s executables (the CNI_PATH containerd searches). */
function swapPlugins(dir: string, from: string): void {
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
  fs.cpSync(from, dir, { recursive: true });
}
