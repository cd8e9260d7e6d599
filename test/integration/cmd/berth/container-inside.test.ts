// What a process sees inside a berth container (dist/bin/berth, built): its own hostname, PID 1, the
// mount table runc would give it, its own netns on the default bridge, and the --network modes.
import assert from 'node:assert/strict';
import { ipJson } from '../../../helpers/netns';
import { useBerth } from '../../../helpers/berth';

// The fields of /proc/self/mountinfo that matter here: mount point, per-mount options, fs type, source.
function mountTable(text: string): Map<string, { root: string; opts: string; fstype: string; source: string }> {
  const out = new Map<string, { root: string; opts: string; fstype: string; source: string }>();
  for (const line of text.split('\n').filter((l) => l.includes(' - '))) {
    const [pre, post] = line.split(' - ') as [string, string];
    const f = pre.split(' ');
    const [fstype, source] = post.split(' ') as [string, string];
    out.set(f[4]!, { root: f[3]!, opts: f[5]!, fstype, source });
  }
  return out;
}

describe('berth CLI: inside a container', function () {
  this.timeout(60_000);
  const b = useBerth();

  it('default bridge: own hostname (first 12 of the id), PID 1, runc mounts, eth0 in 10.87.0.0/16, /etc/hosts', async () => {
    const script = [
      'hostname', 'echo $$', 'cat /proc/1/cmdline | tr "\\0" " "; echo', 'echo ---',
      'cat /proc/self/mountinfo', 'echo ---', 'ip -o -4 addr show eth0', 'ip route', 'echo ---', 'cat /etc/hosts',
    ].join('; ');
    const r = await b.berth(['run', '--name', 'in1', 'busybox', 'sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    const c = await b.inspect('in1');
    const [head, mountinfo, net, hosts] = r.stdout.split('---\n') as [string, string, string, string];
    const [hostname, pid, cmdline] = head.trim().split('\n');
    assert.equal(hostname, c.Id.slice(0, 12));
    assert.equal(pid, '1');
    assert.equal(cmdline!.trim(), `sh -c ${script}`);

    const m = mountTable(mountinfo);
    assert.equal(m.get('/')?.fstype, 'overlay');
    assert.match(mountinfo, new RegExp(`upperdir=${b.root}/containers/${c.Id}/upper`));
    assert.equal(m.get('/dev')?.fstype, 'tmpfs');
    assert.equal(m.get('/dev/pts')?.fstype, 'devpts');
    assert.equal(m.get('/sys')?.fstype, 'sysfs');
    assert.match(m.get('/sys')!.opts, /^ro,/);
    assert.equal(m.get('/proc')?.fstype, 'proc');
    assert.match(m.get('/proc/sys')!.opts, /^ro,/, '/proc/sys is read-only');
    // /proc/kcore does not exist on this kernel (no CONFIG_PROC_KCORE); /proc/keys is masked the same way.
    const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list'].filter((p) => m.has(p));
    assert.ok(masked.length > 0, 'some /proc file is masked');
    for (const p of masked) assert.equal(m.get(p)!.root, '/null', `${p} is /dev/null bound over it`);

    const addr = /inet (10\.87\.\d+\.\d+)\/16/.exec(net);
    assert.ok(addr, net);
    assert.match(net, /default via 10\.87\.0\.1 dev eth0/);
    assert.equal(c.NetworkSettings?.Networks?.bridge?.IPAddress ?? addr![1], addr![1]);
    assert.match(hosts, new RegExp(`^${addr![1].replace(/\./g, '\\.')}\\s+${c.Id.slice(0, 12)}$`, 'm'));
    // Its netns is not the host's: the host netns has no eth0 and has the bridge instead.
    assert.equal(b.hostLinks().has('eth0'), false);
    assert.ok(b.hostLinks().has('berth0'));
  });

  it('-h sets the hostname, and /etc/hosts follows it', async () => {
    const out = await b.ok(['run', '--rm', '-h', 'myhost', 'busybox', 'sh', '-c', `hostname; grep -c myhost /etc/hosts`]);
    assert.deepEqual(out.split('\n'), ['myhost', '1']);
  });

  it('--network none has only lo, up', async () => {
    const out = await b.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', `ip -o link`]);
    const links = out.split('\n');
    assert.equal(links.length, 1, out);
    assert.match(links[0]!, /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
  });

  it('--network host sees the host netns links', async () => {
    // A link that exists only in this sandbox's host netns proves which netns the container is in.
    const { execFileSync } = await import('node:child_process');
    execFileSync('ip', ['-n', b.host.name, 'link', 'add', 'hostonly0', 'type', 'veth', 'peer', 'name', 'hostonly1']);
    try {
      const out = await b.ok(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', `ip -o link`]);
      const names = out.split('\n').map((l) => l.split(': ')[1]!.split('@')[0]);
      const host = (ipJson(b.host.name, 'link', 'show') as any[]).map((l) => l.ifname as string);
      assert.deepEqual(names.sort(), host.sort());
      assert.ok(names.includes('hostonly0'));
    } finally {
      execFileSync('ip', ['-n', b.host.name, 'link', 'del', 'hostonly0']);
    }
  });

  it('--network container:<name> shares the other container\'s eth0', async () => {
    await b.ok(['run', '-d', '--name', 'netowner', 'busybox', 'sleep', '1000']);
    const owner = (await b.ok(['exec', 'netowner', 'ip', '-o', '-4', 'addr', 'show', 'eth0'])).match(/inet (\S+)/)![1];
    const out = await b.ok(['run', '--rm', '--network', 'container:netowner', 'busybox', 'sh', '-c', `ip -o -4 addr show eth0`]);
    assert.equal(out.match(/inet (\S+)/)?.[1], owner);
    assert.match(owner!, /^10\.87\.\d+\.\d+\/16$/);
  });
});
