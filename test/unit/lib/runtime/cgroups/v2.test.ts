import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { V2CgroupManager, CgroupUnsupportedError } from '../../../../../lib/runtime/cgroups';
import { fixtureFs, type FixtureFs } from './fixture';

const MiB = 1024 * 1024;

describe('lib/runtime/cgroups/v2', () => {
  let f: FixtureFs;
  let m: V2CgroupManager;

  beforeEach(() => {
    f = fixtureFs();
    // The root offers more than a container wants (hugetlb, rdma are not enabled) and lacks cpuset.
    f.seed({ 'cgroup.controllers': 'cpu io memory hugetlb pids rdma\n' });
    m = new V2CgroupManager({ path: 'berth/c1', root: f.root, fs: f });
  });
  afterEach(() => f.cleanup());

  it('enables the offered controllers in every ancestor, never in the leaf', () => {
    m.create();
    assert.ok(fs.statSync(join(f.root, 'berth/c1')).isDirectory());
    assert.deepEqual(f.writes, ['cgroup.subtree_control +cpu +io +memory +pids', 'berth/cgroup.subtree_control +cpu +io +memory +pids']);
  });

  it('follows what each level offers when the kernel lists it', () => {
    f.seed({ 'berth/cgroup.controllers': 'memory pids\n' });
    m.create();
    assert.deepEqual(f.writes, ['cgroup.subtree_control +cpu +io +memory +pids', 'berth/cgroup.subtree_control +memory +pids']);
  });

  it('writes the exact v2 files for every resource, converting v1 units', () => {
    m.create();
    f.writes.length = 0;
    m.apply({
      memory: 64 * MiB, memorySwap: 96 * MiB, cpus: { quota: 150000, period: 100000 }, cpuShares: 1024, cpusetCpus: '0-1', cpusetMems: '0',
      pidsLimit: 64, blkioWeight: 500,
      deviceReadBps: [{ major: 8, minor: 0, rate: 1048576 }], deviceWriteBps: [{ major: 8, minor: 0, rate: 2097152 }],
    });
    assert.deepEqual(f.writes, [
      `berth/c1/memory.swap.max ${32 * MiB}`, // v2 counts swap alone: 96 MiB - 64 MiB
      `berth/c1/memory.max ${64 * MiB}`,
      'berth/c1/cpu.weight 100', // shares 1024 is v2's default weight 100
      'berth/c1/cpu.max 150000 100000',
      'berth/c1/cpuset.cpus 0-1',
      'berth/c1/cpuset.mems 0',
      'berth/c1/pids.max 64',
      'berth/c1/io.weight 4950',
      'berth/c1/io.max 8:0 rbps=1048576',
      'berth/c1/io.max 8:0 wbps=2097152',
    ]);
  });

  it('spells unlimited as max and prefers io.bfq.weight in blkio units', () => {
    m.create();
    f.seed({ 'berth/c1/io.bfq.weight': 'default 100\n' });
    f.writes.length = 0;
    m.apply({ memory: -1, cpus: { quota: -1, period: 100000 }, pidsLimit: -1, cpuShares: 2, blkioWeight: 300 });
    assert.deepEqual(f.writes, [
      'berth/c1/memory.swap.max max', 'berth/c1/memory.max max', 'berth/c1/cpu.weight 1', 'berth/c1/cpu.max max 100000',
      'berth/c1/pids.max max', 'berth/c1/io.bfq.weight 300',
    ]);
    f.writes.length = 0;
    m.apply({ memory: 64 * MiB, memorySwap: -1 });
    assert.deepEqual(f.writes, ['berth/c1/memory.swap.max max', `berth/c1/memory.max ${64 * MiB}`]);
  });

  it('names the flag of what v2 cannot enforce', () => {
    const flagOf = (e: unknown): string | undefined => (e instanceof CgroupUnsupportedError ? e.flag : undefined);
    assert.throws(() => m.apply({ devices: [] }), (e: unknown) => flagOf(e) === '--device-cgroup-rule');
    assert.throws(() => m.apply({ netClsClassid: 1 }), (e: unknown) => flagOf(e) === '--net-cls-classid');
    assert.throws(() => m.apply({ netPrioIfpriomap: [{ ifname: 'eth0', priority: 1 }] }), (e: unknown) => flagOf(e) === '--net-prio');
    assert.throws(() => m.apply({ memory: 1 }), /Minimum memory limit allowed is 6MB/);
  });

  it('adds processes, freezes through cgroup.freeze once cgroup.events agrees, and thaws', async () => {
    m.create();
    f.writes.length = 0;
    m.addProcess(77);
    assert.deepEqual(f.writes, ['berth/c1/cgroup.procs 77']);
    assert.deepEqual(m.pids(), [77]);
    await assert.rejects(m.freeze(), /pause is not supported on this host: cgroup.freeze needs Linux 5.2/);
    f.seed({ 'berth/c1/cgroup.freeze': '0\n', 'berth/c1/cgroup.events': 'populated 1\nfrozen 0\n' });
    // The kernel flips "frozen" a moment after the write; emulate it.
    setTimeout(() => f.seed({ 'berth/c1/cgroup.events': 'populated 1\nfrozen 1\n' }), 20);
    await m.freeze();
    assert.equal(f.file('berth/c1/cgroup.freeze'), '1');
    f.seed({ 'berth/c1/cgroup.events': 'populated 1\nfrozen 0\n' });
    await m.thaw();
    assert.equal(f.file('berth/c1/cgroup.freeze'), '0');
  });

  it('reads cpu.stat, memory and pids figures', () => {
    m.create();
    f.seed({
      'berth/c1/cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\nthrottled_usec 20\n',
      'berth/c1/memory.current': '8192\n', 'berth/c1/memory.peak': '16384\n', 'berth/c1/memory.max': 'max\n',
      'berth/c1/memory.stat': 'anon 4096\nfile 2048\n', 'berth/c1/memory.events': 'low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n',
      'berth/c1/pids.current': '2\n', 'berth/c1/pids.max': 'max\n',
    });
    assert.deepEqual(m.stats(), {
      cpu: { usageNs: 1_500_000, userNs: 1_000_000, systemNs: 500_000, throttledPeriods: 1, throttledNs: 20_000 },
      memory: { usage: 8192, maxUsage: 16384, limit: undefined, cache: 2048, rss: 4096, failcnt: 2, oomKill: 1 },
      pids: { current: 2, limit: undefined },
    });
  });

  it('destroys the leaf only, and again without error', async () => {
    m.create();
    await m.destroy();
    assert.ok(!fs.existsSync(join(f.root, 'berth/c1')));
    assert.ok(fs.existsSync(join(f.root, 'berth')));
    await m.destroy();
  });
});
