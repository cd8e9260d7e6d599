// The v1 manager against this machine's real hierarchy: files as the kernel reads them back, a real
// process joining, freezing and thawing, and nothing left behind.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { detectCgroupLayout, V1CgroupManager, DEFAULT_DEVICE_RULES, type CgroupLayout, type ThrottleDevice } from '../../../../lib/runtime/cgroups';
import { skipUnless } from '../../../helpers/skip';

const MiB = 1024 * 1024;
const PARENT = 'berth-test';

// A real block device for the throttle files (vda here); the kernel refuses unknown major:minor.
function someDisk(): ThrottleDevice | undefined {
  const name = fs.readdirSync('/sys/block').find((d) => !/^(loop|ram|zram|nbd)/.test(d));
  if (name === undefined) return undefined;
  const [major, minor] = fs.readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
  return { major: major!, minor: minor!, rate: MiB };
}

const read = (path: string): string => fs.readFileSync(path, 'utf8').trim();

describe('lib/runtime/cgroups (v1, real hierarchy)', function () {
  let layout: CgroupLayout;
  let m: V1CgroupManager;
  let dirs: string[] = [];
  let child: ChildProcess | undefined;
  const path = `${PARENT}/${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

  before(function () {
    layout = detectCgroupLayout();
    skipUnless(this, layout.mode !== 'v2', 'cgroup v2 only (unified): these are the v1 manager\'s tests');
    m = new V1CgroupManager({ path, mounts: layout.v1 });
    dirs = [...new Set(Object.values(layout.v1))].map((root) => join(root, path));
  });

  after(async () => {
    // Clean up even when a test failed halfway: kill our process, then remove the leaf and, when no
    // other run is using it, the shared parent.
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    if (m !== undefined) {
      if (m.dir('freezer') && fs.existsSync(join(m.dir('freezer')!, 'freezer.state'))) fs.writeFileSync(join(m.dir('freezer')!, 'freezer.state'), 'THAWED');
      await m.destroy().catch(() => {});
    }
    for (const root of new Set(Object.values(layout?.v1 ?? {}))) {
      try {
        fs.rmdirSync(join(root, PARENT));
      } catch {
        // another concurrent run still has a cgroup under it
      }
    }
  });

  it('creates the cgroup in every mounted controller, with a usable cpuset', () => {
    m.create();
    for (const dir of dirs) assert.ok(fs.statSync(dir).isDirectory(), dir);
    assert.ok(dirs.length >= 8, `controllers: ${Object.keys(layout.v1).join(',')}`);
    const cpuset = m.dir('cpuset')!;
    assert.equal(read(join(cpuset, 'cpuset.cpus')), read(join(layout.v1.cpuset!, 'cpuset.cpus')));
    assert.notEqual(read(join(cpuset, 'cpuset.mems')), '');
  });

  it('applies memory, swap, pids, cpu, cpuset, blkio and devices limits that the kernel reads back', () => {
    const disk = someDisk();
    m.apply({
      memory: 64 * MiB, memorySwap: 128 * MiB, pidsLimit: 32, cpus: { quota: 50000, period: 100000 }, cpuShares: 512,
      cpusetCpus: '0', cpusetMems: '0', devices: [...DEFAULT_DEVICE_RULES], ...(disk ? { deviceReadBps: [disk] } : {}),
    });
    const mem = m.dir('memory')!;
    assert.equal(read(join(mem, 'memory.limit_in_bytes')), String(64 * MiB));
    if (fs.existsSync(join(mem, 'memory.memsw.limit_in_bytes'))) assert.equal(read(join(mem, 'memory.memsw.limit_in_bytes')), String(128 * MiB));
    assert.equal(read(join(m.dir('pids')!, 'pids.max')), '32');
    assert.equal(read(join(m.dir('cpu')!, 'cpu.cfs_quota_us')), '50000');
    assert.equal(read(join(m.dir('cpu')!, 'cpu.cfs_period_us')), '100000');
    assert.equal(read(join(m.dir('cpu')!, 'cpu.shares')), '512');
    assert.equal(read(join(m.dir('cpuset')!, 'cpuset.cpus')), '0');
    assert.equal(read(join(m.dir('cpuset')!, 'cpuset.mems')), '0');
    if (disk) assert.equal(read(join(m.dir('blkio')!, 'blkio.throttle.read_bps_device')), `${disk.major}:${disk.minor} ${MiB}`);
    const list = read(join(m.dir('devices')!, 'devices.list')).split('\n');
    assert.ok(list.includes('c 1:3 rwm'), list.join('|'));
    assert.ok(list.includes('b *:* m'), list.join('|'));
    assert.ok(!list.includes('a *:* rwm'), 'the allow-all rule must be gone');
  });

  it('moves a process into every controller', async () => {
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const pid = child.pid!;
    m.addProcess(pid);
    for (const dir of dirs) {
      assert.ok(read(join(dir, 'cgroup.procs')).split('\n').includes(String(pid)), `${dir}/cgroup.procs`);
      assert.ok(read(join(dir, 'tasks')).split('\n').includes(String(pid)), `${dir}/tasks`);
    }
    const own = read(`/proc/${pid}/cgroup`).split('\n').filter((l) => /:(memory|pids|freezer):/.test(l));
    assert.equal(own.length, 3);
    for (const line of own) assert.ok(line.endsWith(`:/${path}`), line);
    assert.deepEqual(m.pids(), [pid]);
  });

  it('freezes and thaws it through freezer.state', async () => {
    const state = join(m.dir('freezer')!, 'freezer.state');
    await m.freeze();
    assert.equal(read(state), 'FROZEN');
    await m.thaw();
    assert.equal(read(state), 'THAWED');
    assert.equal(child!.exitCode, null);
  });

  it('reports cpuacct, memory and pids figures', () => {
    const s = m.stats();
    assert.equal(s.pids.current, 1);
    assert.equal(s.pids.limit, 32);
    assert.equal(s.memory.limit, 64 * MiB);
    assert.ok(s.memory.usage >= 0);
    assert.ok(s.cpu.usageNs >= 0 && s.cpu.perCpuNs !== undefined && s.cpu.perCpuNs.length >= 1);
  });

  it('destroys the cgroup in every controller once the process is gone', async () => {
    child!.kill('SIGKILL');
    await once(child!, 'exit');
    await m.destroy();
    for (const dir of dirs) assert.ok(!fs.existsSync(dir), `${dir} still exists`);
    await m.destroy(); // idempotent
  });
});
