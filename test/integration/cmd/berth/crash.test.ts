// Crash consistency: a SIGKILLed supervisor (or a SIGKILLed attached `berth run`, at random instants
// of its start) leaves nothing behind once the next berth command has reconciled: no cgroup, netns,
// veth, lease or CNI cache entry for any container that is not running.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { useBerth, waitFor } from '../../../helpers/berth';

describe('berth CLI: crash consistency', function () {
  this.timeout(120_000);
  const b = useBerth();

  const supervisorOf = (id: string): number[] => {
    try {
      return execFileSync('pgrep', ['-f', `berth __supervise ${id}`], { encoding: 'utf8' }).trim().split('\n').map(Number);
    } catch {
      return [];
    }
  };

  it('kill -9 of the detached supervisor: the container ends "Exited (137)" and its resources are released', async () => {
    const id = await b.ok(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '1000']);
    const pid = (await b.inspect(id)).State.Pid as number;
    const sup = supervisorOf(id);
    assert.equal(sup.length, 1, `one supervisor for ${id}`);
    const before = b.residue();
    assert.ok(before.cgroups.length > 0 && before.netns.length === 1 && before.veths.length === 1 && before.leases.length === 1 && before.cache.length === 1);
    process.kill(sup[0]!, 'SIGKILL');
    // PDEATHSIG takes the container's init with its supervisor.
    assert.ok(await waitFor(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 5000), 'container process died');
    const ps = await b.ok(['ps', '-a', '--format', '{{.Names}}|{{.Status}}']);
    assert.match(ps, /^orphan\|Exited \(137\) /m);
    assert.deepEqual(b.residueExcept([]), { containers: [id] }, 'only the record is left');
  });

  it('SIGKILL of an attached `berth run` at random instants (10 times): nothing left for containers not running', async () => {
    const report: string[] = [];
    for (let i = 0; i < 10; i++) {
      const child = b.spawn(['run', 'busybox', 'sleep', '100']);
      const delay = Math.floor(Math.random() * 800);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      // The next command reconciles; then nothing may belong to a container that is not running.
      await b.ok(['ps', '-a']);
      const running = await b.runningIds();
      const stray = b.residueExcept(running);
      delete stray.containers; // records of exited containers stay, as in Docker
      if (Object.keys(stray).length > 0) report.push(`kill after ${delay} ms: ${JSON.stringify(stray)}`);
    }
    assert.deepEqual(report, []);
    const ps = (await b.ok(['ps', '-a', '--format', '{{.Status}}'])).split('\n').filter(Boolean);
    for (const s of ps) assert.match(s, /^(Exited \(137\)|Created|Exited \(128\))/, `status after a killed run: ${s}`);
    const all = await b.ok(['ps', '-aq', '--no-trunc']);
    if (all !== '') await b.ok(['rm', '-f', ...all.split('\n')]);
    const left = b.residue();
    assert.deepEqual(left, { cgroups: [], netns: [], veths: [], leases: [], cache: [], chains: [], containers: [], processes: [] });
  });
});
