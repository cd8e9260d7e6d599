// cgroup limits of berth containers, read back from this machine's (v1) hierarchy: the OOM killer at
// -m, the pids controller at --pids-limit, and the files that --cpus / --cpuset-cpus / --cpu-shares /
// -m / --memory-swap write, with the container's PID in every controller.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cgroupMounts, useBerth, waitFor } from '../../../helpers/berth';
import { skipUnless } from '../../../helpers/skip';

const v1 = (controller: string): boolean => cgroupMounts().includes(`/sys/fs/cgroup/${controller}`);

describe('berth CLI: cgroup limits', function () {
  this.timeout(60_000);
  const b = useBerth();
  before(function () {
    skipUnless(this, v1('memory') && v1('pids') && v1('cpu'), 'the cgroup v1 memory, pids and cpu hierarchies are not all mounted (these assertions read v1 files)');
  });

  it('-m 16m: a memory hog is OOM-killed, exits 137, and inspect shows OOMKilled', async () => {
    const r = await b.berth(['run', '--name', 'hog', '-m', '16m', 'busybox', 'sh', '-c', 'a=$(head -c 100000000 /dev/zero | tr "\\0" x); echo $a | wc -c']);
    assert.equal(r.code, 137, `exit ${r.code}: ${r.stdout} ${r.stderr}`);
    const c = await b.inspect('hog');
    assert.equal(c.State.ExitCode, 137);
    assert.equal(c.State.OOMKilled, true);
    assert.equal(c.HostConfig.Memory, 16 * 1024 * 1024);
  });

  it('--pids-limit 20: a fork bomb cannot fork, pids.max is 20 and the count never passes it', async () => {
    // busybox sh exits when a fork fails, so the bomb runs in a child shell: its sleeps stay behind
    // (reparented to PID 1), and PID 1 keeps the container up for the checks.
    const bomb = 'for i in $(seq 60); do sleep 30 & done; wait';
    const id = await b.ok(['run', '-d', '--pids-limit', '20', 'busybox', 'sh', '-c', `sh -c '${bomb}'; sleep 1000`]);
    const file = (f: string) => b.cgroupFile('pids', id, f);
    assert.equal(file('pids.max'), '20');
    // The kernel counts refused forks in pids.events.
    const refused = await waitFor(() => /^max [1-9]/m.test(file('pids.events')), 10_000);
    assert.ok(refused, `pids.events: ${file('pids.events')}`);
    const logs = await waitFor(async () => (await b.berth(['logs', id])).stderr, 5000);
    assert.match(logs, /can't fork/);
    assert.ok(Number(file('pids.current')) <= 20, `pids.current ${file('pids.current')}`);
    const procs = fs.readFileSync(path.join('/sys/fs/cgroup/pids', b.cgroupParent, id, 'cgroup.procs'), 'utf8').trim().split('\n');
    assert.ok(procs.length >= 15 && procs.length <= 20, `${procs.length} processes`);
    // pids.peak (when the kernel has it) proves the count never went past the limit in between.
    const peak = path.join('/sys/fs/cgroup/pids', b.cgroupParent, id, 'pids.peak');
    if (fs.existsSync(peak)) assert.ok(Number(fs.readFileSync(peak, 'utf8')) <= 20, 'pids.peak <= 20');
    assert.equal((await b.inspect(id)).State.Running, true);
  });

  it('--cpus, --cpuset-cpus, --cpu-shares, -m, --memory-swap land in the cgroup files; the PID is in every controller', async () => {
    const swap = fs.existsSync(path.join('/sys/fs/cgroup/memory', 'memory.memsw.limit_in_bytes'));
    const id = await b.ok(['run', '-d', '--cpus', '0.5', '--cpuset-cpus', '0', '--cpu-shares', '512', '-m', '64m',
      ...(swap ? ['--memory-swap', '128m'] : []), 'busybox', 'sleep', '1000']);
    assert.equal(b.cgroupFile('cpu', id, 'cpu.cfs_quota_us'), '50000');
    assert.equal(b.cgroupFile('cpu', id, 'cpu.cfs_period_us'), '100000');
    assert.equal(b.cgroupFile('cpu', id, 'cpu.shares'), '512');
    assert.equal(b.cgroupFile('cpuset', id, 'cpuset.cpus'), '0');
    assert.equal(b.cgroupFile('memory', id, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    if (swap) assert.equal(b.cgroupFile('memory', id, 'memory.memsw.limit_in_bytes'), String(128 * 1024 * 1024));
    const pid = String((await b.inspect(id)).State.Pid);
    const dirs = b.cgroupDirs(id);
    assert.ok(dirs.length >= 8, dirs.join(' '));
    for (const dir of dirs) {
      if (dir.includes('/unified/')) continue; // hybrid: limits and membership are v1's
      const procs = fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim().split('\n');
      assert.ok(procs.includes(pid), `${pid} in ${dir}/cgroup.procs (${procs.join(',')})`);
    }
    // And the process itself says so.
    const own = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    assert.match(own, new RegExp(`:memory:/${b.cgroupParent}/${id}$`, 'm'));
  });

  it('a limit the kernel refuses fails the start (125) after the init was spawned: no init process, cgroup or netns is left', async () => {
    const inits = (): string[] => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').some((a) => a.endsWith('/berth-init'));
      } catch {
        return false; // gone meanwhile
      }
    });
    const before = inits();
    const nsBefore = fs.readdirSync('/run/netns').sort();
    // The init starts Node while the cgroup is made (lib/runtime/container/start.ts); the cpuset write fails (ERANGE) after that.
    const r = await b.berth(['run', '--name', 'badcpu', '--cpuset-cpus', '1023', 'busybox', 'true']);
    assert.equal(r.code, 125, r.stderr);
    assert.match(r.stderr, /cpuset\.cpus/);
    assert.deepEqual(inits().filter((p) => !before.includes(p)), [], 'the waiting init was killed and reaped before berth returned');
    assert.deepEqual(b.cgroupDirs((await b.inspect('badcpu')).Id), []);
    assert.deepEqual(fs.readdirSync('/run/netns').sort(), nsBefore);
  });
});
