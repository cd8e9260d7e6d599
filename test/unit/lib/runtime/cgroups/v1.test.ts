import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { V1CgroupManager, CgroupUnsupportedError, ResourceError, type V1Controller } from '../../../../../lib/runtime/cgroups';
import { fixtureFs, type FixtureFs } from './fixture';

const MiB = 1024 * 1024;
const UNLIMITED = '9223372036854771712\n';

describe('lib/runtime/cgroups/v1', () => {
  let f: FixtureFs;
  let mounts: Partial<Record<V1Controller, string>>;

  beforeEach(() => {
    f = fixtureFs();
    // cpu and cpuacct co-mounted as on many distributions; every other controller on its own.
    const shared = join(f.root, 'cpu,cpuacct');
    mounts = { cpu: shared, cpuacct: shared };
    for (const c of ['cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'net_cls', 'net_prio'] as const) mounts[c] = join(f.root, c);
    f.seed({ 'cpuset/cpuset.cpus': '0-3\n', 'cpuset/cpuset.mems': '0\n' });
  });
  afterEach(() => f.cleanup());

  const manager = (m = mounts): V1CgroupManager => new V1CgroupManager({ path: 'berth/c1', mounts: m, fs: f });

  it('creates one directory per hierarchy and copies cpus/mems down every new cpuset level', () => {
    const m = manager();
    m.create();
    for (const d of ['cpu,cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'net_cls', 'net_prio']) {
      assert.ok(fs.statSync(join(f.root, d, 'berth/c1')).isDirectory(), d);
    }
    assert.deepEqual(f.writes, [
      'cpuset/berth/cpuset.cpus 0-3', 'cpuset/berth/cpuset.mems 0',
      'cpuset/berth/c1/cpuset.cpus 0-3', 'cpuset/berth/c1/cpuset.mems 0',
    ]);
    f.writes.length = 0;
    m.create(); // create-or-verify: the levels already have cpus/mems, nothing is rewritten
    assert.deepEqual(f.writes, []);
  });

  it('writes the exact v1 files for every resource', () => {
    const m = manager();
    m.create();
    f.seed({ 'memory/berth/c1/memory.limit_in_bytes': UNLIMITED, 'memory/berth/c1/memory.memsw.limit_in_bytes': UNLIMITED, 'blkio/berth/c1/blkio.weight': '500\n' });
    f.writes.length = 0;
    m.apply({
      memory: 64 * MiB, memorySwap: 128 * MiB, cpus: { quota: 50000, period: 100000 }, cpuShares: 512, cpusetCpus: '1', cpusetMems: '0',
      pidsLimit: 100, blkioWeight: 300,
      deviceReadBps: [{ major: 8, minor: 0, rate: 1048576 }, { major: 8, minor: 16, rate: 2048 }], deviceWriteBps: [{ major: 254, minor: 0, rate: 4096 }],
      devices: [{ type: 'c', major: 1, minor: 3, access: 'rwm' }, { type: 'b', major: '*', minor: '*', access: 'm' }],
      netClsClassid: 0x100001, netPrioIfpriomap: [{ ifname: 'eth0', priority: 5 }, { ifname: 'lo', priority: 1 }],
    });
    assert.deepEqual(f.writes, [
      'cpuset/berth/c1/cpuset.cpus 1',
      'cpuset/berth/c1/cpuset.mems 0',
      // Lowering from unlimited: memory first, so memory <= memsw holds at every step.
      `memory/berth/c1/memory.limit_in_bytes ${64 * MiB}`,
      `memory/berth/c1/memory.memsw.limit_in_bytes ${128 * MiB}`,
      'cpu,cpuacct/berth/c1/cpu.shares 512',
      'cpu,cpuacct/berth/c1/cpu.cfs_period_us 100000',
      'cpu,cpuacct/berth/c1/cpu.cfs_quota_us 50000',
      'pids/berth/c1/pids.max 100',
      'blkio/berth/c1/blkio.weight 300',
      'blkio/berth/c1/blkio.throttle.read_bps_device 8:0 1048576',
      'blkio/berth/c1/blkio.throttle.read_bps_device 8:16 2048',
      'blkio/berth/c1/blkio.throttle.write_bps_device 254:0 4096',
      'devices/berth/c1/devices.deny a',
      'devices/berth/c1/devices.allow c 1:3 rwm',
      'devices/berth/c1/devices.allow b *:* m',
      'net_cls/berth/c1/net_cls.classid 1048577',
      'net_prio/berth/c1/net_prio.ifpriomap eth0 5',
      'net_prio/berth/c1/net_prio.ifpriomap lo 1',
    ]);
  });

  it('raises memsw before memory when the new swap is above the current limit, and spells unlimited', () => {
    const m = manager();
    m.create();
    f.seed({ 'memory/berth/c1/memory.limit_in_bytes': `${32 * MiB}\n`, 'memory/berth/c1/memory.memsw.limit_in_bytes': `${32 * MiB}\n` });
    f.writes.length = 0;
    m.apply({ memory: 64 * MiB, memorySwap: 128 * MiB });
    assert.deepEqual(f.writes, [`memory/berth/c1/memory.memsw.limit_in_bytes ${128 * MiB}`, `memory/berth/c1/memory.limit_in_bytes ${64 * MiB}`]);
    f.writes.length = 0;
    m.apply({ memory: -1, pidsLimit: 0, cpus: { quota: -1, period: 100000 } });
    assert.deepEqual(f.writes, [
      'memory/berth/c1/memory.memsw.limit_in_bytes -1', 'memory/berth/c1/memory.limit_in_bytes -1',
      'cpu,cpuacct/berth/c1/cpu.cfs_period_us 100000', 'cpu,cpuacct/berth/c1/cpu.cfs_quota_us -1',
      'pids/berth/c1/pids.max max',
    ]);
  });

  it('writes the quota first when the kernel refuses the period (EINVAL), as runc does', () => {
    const m = manager();
    m.create();
    f.writes.length = 0;
    f.failNext('cpu,cpuacct/berth/c1/cpu.cfs_period_us', 'EINVAL');
    m.apply({ cpus: { quota: 20000, period: 10000 } });
    assert.deepEqual(f.writes, [
      'cpu,cpuacct/berth/c1/cpu.cfs_quota_us 20000', 'cpu,cpuacct/berth/c1/cpu.cfs_period_us 10000', 'cpu,cpuacct/berth/c1/cpu.cfs_quota_us 20000',
    ]);
  });

  it('falls back to blkio.bfq.weight and names the flag when a controller or file is missing', () => {
    const m = manager();
    m.create();
    assert.throws(() => m.apply({ blkioWeight: 300 }), (e: unknown) => e instanceof CgroupUnsupportedError && e.flag === '--blkio-weight');
    f.seed({ 'blkio/berth/c1/blkio.bfq.weight': '100\n' });
    m.apply({ blkioWeight: 300 });
    assert.equal(f.file('blkio/berth/c1/blkio.bfq.weight'), '300');
    assert.throws(() => m.apply({ memory: 64 * MiB, memorySwap: 128 * MiB }), /--memory-swap is not supported on this host: the kernel has no swap accounting/);

    const { net_cls: _cls, ...noNetCls } = mounts;
    const m2 = manager(noNetCls);
    assert.throws(() => m2.apply({ netClsClassid: 1 }), /--net-cls-classid is not supported on this host: the net_cls controller is not mounted/);
    assert.throws(() => m2.apply({ memory: 1 }), (e: unknown) => e instanceof ResourceError && e.flag === '--memory');
  });

  it('adds a process once per hierarchy, lists pids, and freezes and thaws through freezer.state', async () => {
    const m = manager();
    m.create();
    f.writes.length = 0;
    m.addProcess(4242);
    assert.equal(f.writes.length, 9); // cpu and cpuacct share a directory
    assert.ok(f.writes.every((w) => w.endsWith('/berth/c1/cgroup.procs 4242')));
    f.seed({ 'pids/berth/c1/cgroup.procs': '4242\n4243\n' });
    assert.deepEqual(m.pids(), [4242, 4243]);
    f.writes.length = 0;
    await m.freeze();
    await m.thaw();
    assert.deepEqual(f.writes, ['freezer/berth/c1/freezer.state FROZEN', 'freezer/berth/c1/freezer.state THAWED']);
  });

  it('reads cpuacct, memory and pids figures', () => {
    const m = manager();
    m.create();
    f.seed({
      'cpu,cpuacct/berth/c1/cpuacct.usage': '123456789\n', 'cpu,cpuacct/berth/c1/cpuacct.stat': 'user 5\nsystem 2\n',
      'cpu,cpuacct/berth/c1/cpuacct.usage_percpu': '100 200 \n', 'cpu,cpuacct/berth/c1/cpu.stat': 'nr_periods 10\nnr_throttled 3\nthrottled_time 999\n',
      'memory/berth/c1/memory.usage_in_bytes': '4096\n', 'memory/berth/c1/memory.max_usage_in_bytes': '8192\n', 'memory/berth/c1/memory.limit_in_bytes': UNLIMITED,
      'memory/berth/c1/memory.failcnt': '0\n', 'memory/berth/c1/memory.stat': 'cache 1024\nrss 2048\ntotal_rss 2048\n',
      'memory/berth/c1/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
      'pids/berth/c1/pids.current': '3\n', 'pids/berth/c1/pids.max': '100\n',
    });
    assert.deepEqual(m.stats(), {
      cpu: { usageNs: 123456789, userNs: 50_000_000, systemNs: 20_000_000, perCpuNs: [100, 200], throttledPeriods: 3, throttledNs: 999 },
      memory: { usage: 4096, maxUsage: 8192, failcnt: 0, limit: undefined, cache: 1024, rss: 2048, oomKill: 1 },
      pids: { current: 3, limit: 100 },
    });
  });

  it('destroys only the leaf in every hierarchy, retries EBUSY, and is idempotent', async () => {
    const m = manager();
    m.create();
    f.seed({ 'memory/berth/c1/memory.limit_in_bytes': UNLIMITED });
    f.failNext('memory/berth/c1', 'EBUSY', 2);
    await m.destroy();
    for (const d of ['cpu,cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'blkio', 'pids', 'net_cls', 'net_prio']) {
      assert.ok(!fs.existsSync(join(f.root, d, 'berth/c1')), d);
      assert.ok(fs.existsSync(join(f.root, d, 'berth')), d);
    }
    await m.destroy();
    f.seed({ 'pids/berth/c1/x': '' });
    f.failNext('pids/berth/c1', 'EACCES');
    await assert.rejects(m.destroy(), /EACCES/);
  });

  it('refuses paths that could leave the container\'s cgroup', () => {
    for (const path of ['/berth/c1', '../c1', 'berth/../../x', '']) {
      assert.throws(() => new V1CgroupManager({ path, mounts, fs: f }), /invalid cgroup path/);
    }
  });
});
