// Container lifecycle through the berth CLI: exec into the container's namespaces, stop / kill /
// pause / unpause against the processes and the freezer cgroup, logs per stream, --rm, exit codes,
// name conflicts, and the quick-exit race of an attached run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBerth, waitFor } from '../../../helpers/berth';

describe('berth CLI: exec and lifecycle', function () {
  this.timeout(60_000);
  const b = useBerth();

  const status = async (name: string): Promise<string> => {
    const line = (await b.ok(['ps', '-a', '--format', '{{.Names}}|{{.Status}}'])).split('\n').find((l) => l.startsWith(`${name}|`));
    return line?.split('|')[1] ?? '';
  };

  it('exec joins the container\'s pid/net/mnt/uts/ipc namespaces, returns the exit code, 127 for a missing command', async () => {
    await b.ok(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '1000']);
    const pid = (await b.inspect('ex')).State.Pid as number;
    const kinds = ['pid', 'net', 'mnt', 'uts', 'ipc'];
    const inside = (await b.ok(['exec', 'ex', 'sh', '-c', `for k in ${kinds.join(' ')}; do readlink /proc/1/ns/$k; done`])).split('\n');
    const host = kinds.map((k) => fs.readlinkSync(`/proc/${pid}/ns/${k}`));
    assert.deepEqual(inside, host);
    assert.notEqual(host[0], fs.readlinkSync('/proc/self/ns/pid'));
    // exec's own process is in the same pid namespace: its PID 1 is the container's command.
    assert.equal(await b.ok(['exec', 'ex', 'cat', '/proc/1/cmdline']), 'sleep\x001000\x00');
    assert.equal((await b.berth(['exec', 'ex', 'sh', '-c', 'exit 42'])).code, 42);
    const missing = await b.berth(['exec', 'ex', 'nosuchcmd']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /nosuchcmd/);
  });

  it('stop -t 1 of a SIGTERM-deaf PID 1 takes the timeout and ends "Exited (137)"; a trapping one exits 3 at once', async () => {
    await b.ok(['run', '-d', '--name', 'deaf', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'trapper', 'busybox', 'sh', '-c', 'trap "exit 3" TERM; while true; do sleep 0.1; done']);
    let t = Date.now();
    await b.ok(['stop', '-t', '1', 'deaf']);
    const deafMs = Date.now() - t;
    assert.ok(deafMs >= 1000, `stop returned after ${deafMs} ms, before the timeout`);
    assert.match(await status('deaf'), /^Exited \(137\) /);
    t = Date.now();
    await b.ok(['stop', '-t', '10', 'trapper']);
    const trapMs = Date.now() - t;
    assert.ok(trapMs < 5000, `stop of a trapping container took ${trapMs} ms`);
    assert.match(await status('trapper'), /^Exited \(3\) /);
    assert.equal((await b.inspect('trapper')).State.ExitCode, 3);
    assert.deepEqual(b.residue().cgroups, [], 'stopped containers hold no cgroup');
  });

  it('kill -s USR1 reaches a handler; kill (SIGKILL) ends it with 137', async () => {
    await b.ok(['run', '-d', '--name', 'usr', 'busybox', 'sh', '-c', 'trap "exit 10" USR1; while true; do sleep 0.1; done']);
    await b.ok(['kill', '-s', 'USR1', 'usr']);
    assert.ok(await waitFor(async () => /^Exited \(10\)/.test(await status('usr')), 5000), await status('usr'));
    await b.ok(['run', '-d', '--name', 'killme', 'busybox', 'sleep', '1000']);
    await b.ok(['kill', 'killme']);
    assert.ok(await waitFor(async () => /^Exited \(137\)/.test(await status('killme')), 5000), await status('killme'));
  });

  it('pause freezes the cgroup ("(Paused)" in ps), unpause thaws it', async () => {
    const id = await b.ok(['run', '-d', '--name', 'frz', 'busybox', 'sleep', '1000']);
    await b.ok(['pause', 'frz']);
    assert.equal(b.cgroupFile('freezer', id, 'freezer.state'), 'FROZEN');
    assert.match(await status('frz'), /^Up .*\(Paused\)$/);
    assert.equal((await b.inspect('frz')).State.Paused, true);
    const pid = (await b.inspect('frz')).State.Pid as number;
    assert.match(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), /^State:\s+D/m, 'a frozen task sleeps uninterruptibly');
    await b.ok(['unpause', 'frz']);
    assert.equal(b.cgroupFile('freezer', id, 'freezer.state'), 'THAWED');
    assert.doesNotMatch(await status('frz'), /Paused/);
  });

  it('logs: stdout on stdout, stderr on stderr, both in the json log', async () => {
    const id = await b.ok(['run', '-d', '--name', 'lg', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2; sleep 1000']);
    const logs = await waitFor(async () => { const r = await b.berth(['logs', 'lg']); return r.stdout && r.stderr ? r : undefined; }, 5000);
    assert.ok(logs);
    assert.equal(logs.stdout, 'to-out\n');
    assert.equal(logs.stderr, 'to-err\n');
    const lines = fs.readFileSync(path.join(b.root, 'containers', id, `${id}-json.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.stream, l.log]).sort(), [['stderr', 'to-err\n'], ['stdout', 'to-out\n']]);
  });

  it('--rm -d: the container is gone after its command exits', async () => {
    const id = await b.ok(['run', '--rm', '-d', 'busybox', 'sleep', '0.5']);
    assert.ok(fs.existsSync(path.join(b.root, 'containers', id)));
    const gone = await waitFor(() => !fs.existsSync(path.join(b.root, 'containers', id)), 10_000);
    assert.ok(gone, 'container dir removed');
    assert.equal((await b.ok(['ps', '-aq', '--no-trunc'])).includes(id), false);
    assert.deepEqual(b.residue().cgroups, []);
  });

  it('run returns the container\'s exit code; a missing command is 127 and leaves a "Created" container; a name conflict is 125', async () => {
    assert.equal((await b.berth(['run', '--rm', 'busybox', 'sh', '-c', `exit 7`])).code, 7);
    const missing = await b.berth(['run', '--name', 'nocmd', 'busybox', 'nosuchcmd']);
    assert.equal(missing.code, 127, missing.stderr);
    assert.match(missing.stderr, /nosuchcmd/);
    assert.match(await status('nocmd'), /^Created$/);
    await b.ok(['run', '-d', '--name', 'taken', 'busybox', 'sleep', '1000']);
    const clash = await b.berth(['run', '-d', '--name', 'taken', 'busybox', 'sleep', '1000']);
    assert.equal(clash.code, 125);
    assert.match(clash.stderr, /Conflict\. The container name "\/taken" is already in use/);
    assert.equal((await b.ok(['ps', '-aq'])).split('\n').length, 2, 'no third container');
  });

  // A regression test: Node resumes (and discards) a child's unread stdio when the child exits, so a
  // command that exited before berth attached its output listeners lost its output and its recorded
  // exit. Output is now consumed from the spawn on (lib/runtime/container/spawn-init.ts).
  it('a fast-exiting attached run prints its output, returns its code and records it (6 tries)', async () => {
    const bad: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await b.berth(['run', '--name', `quick${i}`, '--network', 'none', 'busybox', 'sh', '-c', 'echo hi; exit 5']);
      const st = await status(`quick${i}`);
      if (r.code !== 5 || r.stdout !== 'hi\n' || !/^Exited \(5\)/.test(st)) bad.push(`try ${i}: exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, ps "${st}"`);
    }
    assert.deepEqual(bad, []);
  });
});
