// Starting stopped containers again, wait, rename, and restart policies through the berth CLI: the
// writable layer survives a stop, exit codes are exact, on-failure:N restarts N times, `always` comes
// back after its process or its supervisor is SIGKILLed and at the next boot, `stop` ends it for good.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useBerth, waitFor } from '../../../helpers/berth';

describe('berth CLI: start again, wait, rename, restart policies', function () {
  this.timeout(120_000);
  const b = useBerth();

  const state = async (name: string): Promise<any> => (await b.inspect(name)).State;
  const supervisorOf = (id: string): number => JSON.parse(fs.readFileSync(path.join(b.root, 'containers', id, 'state.json'), 'utf8')).supervisorPid as number;
  // A zombie (exited, its reaper not yet run) is not alive.
  const alive = (pid: number): boolean => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
    } catch {
      return false;
    }
  };

  it('an exited container started again keeps its writable layer, id, name, hostname and network', async () => {
    const id = await b.ok(['run', '-d', '--name', 'again', 'busybox', 'sh', '-c', 'echo run >> /runs; hostname >> /runs; exit 3']);
    assert.equal(await b.ok(['wait', 'again']), '3');
    assert.equal(await b.ok(['start', 'again']), 'again');
    assert.equal(await b.ok(['wait', 'again']), '3');
    // start -a: attached, the exit code is the container's, the layer holds every run's line.
    const attached = await b.berth(['start', '-a', 'again']);
    assert.equal(attached.code, 3, attached.stderr);
    await b.ok(['run', '-d', '--name', 'again-reader', 'busybox', 'sleep', '1000']);
    const upper = path.join(b.root, 'containers', id, 'upper', 'runs');
    assert.deepEqual(fs.readFileSync(upper, 'utf8').trim().split('\n'), ['run', id.slice(0, 12), 'run', id.slice(0, 12), 'run', id.slice(0, 12)]);
    const info = await b.inspect('again');
    assert.equal(info.Id, id);
    assert.equal(info.Name, '/again');
    // A long-running start of the same container is attached to the network again.
    await b.ok(['rm', 'again']);
    const id2 = await b.ok(['run', '-d', '--name', 'net-again', 'busybox', 'sh', '-c', 'ip -4 -o addr show eth0 > /addr; sleep 1000']);
    await b.ok(['stop', '-t', '0', 'net-again']);
    await b.ok(['start', 'net-again']);
    const ip = (await b.inspect('net-again')).NetworkSettings.Networks.bridge.IPAddress as string;
    assert.match(await b.ok(['exec', 'net-again', 'ip', '-4', '-o', 'addr', 'show', 'eth0']), new RegExp(`inet ${ip.replace(/\./g, '\\.')}/`));
    assert.equal(await b.ok(['exec', 'net-again', 'hostname']), id2.slice(0, 12));
  });

  it('wait prints 137 after a kill, the exact code otherwise, and blocks until the exit', async () => {
    await b.ok(['run', '-d', '--name', 'w-kill', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'w-code', 'busybox', 'sh', '-c', 'sleep 1; exit 42']);
    const waiting = b.berth(['wait', 'w-code', 'w-kill']);
    await b.ok(['kill', 'w-kill']);
    const r = await waiting;
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['42', '137']);
    assert.equal(await b.ok(['wait', 'w-kill']), '137', 'an exited container answers at once');
    const missing = await b.berth(['wait', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such container: nope/);
  });

  it('rename: resolve finds the new name, not the old; conflicts and bad names with Docker\'s messages', async () => {
    const id = await b.ok(['run', '-d', '--name', 'before', 'busybox', 'sleep', '1000']);
    const other = await b.ok(['create', '--name', 'taken', 'busybox', 'true']);
    await b.ok(['rename', 'before', 'after']);
    assert.equal((await b.inspect('after')).Id, id);
    const old = await b.berth(['inspect', 'before']);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /No such container: before/);
    const conflict = await b.berth(['rename', 'after', 'taken']);
    assert.equal(conflict.code, 1);
    assert.equal(conflict.stderr, `Error response from daemon: Conflict. The container name "/taken" is already in use by container "${other}". You have to remove (or rename) that container to be able to reuse that name.\n`);
    const bad = await b.berth(['rename', 'after', 'no/slash']);
    assert.equal(bad.stderr, 'Error response from daemon: Invalid container name (no/slash), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n');
    // The old name is free again; the renamed container is stopped and removed under its new name.
    await b.ok(['create', '--name', 'before', 'busybox', 'true']);
    await b.ok(['rm', '-f', 'after']);
    assert.equal(fs.existsSync(path.join(b.root, 'names', 'after')), false);
  });

  it('on-failure:2 restarts a failing command exactly twice (RestartCount 2), then it stays exited', async () => {
    const id = await b.ok(['run', '-d', '--name', 'of2', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo x >> /runs; exit 7']);
    const end = await waitFor(async () => { const s = await state('of2'); return s.Status === 'exited' ? s : undefined; }, 60_000, 100);
    assert.ok(end, 'the container never stayed exited');
    // Its supervisor is gone only once no restart is left: then the record is final.
    assert.ok(await waitFor(() => !alive(supervisorOf(id)), 30_000));
    const info = await b.inspect('of2');
    assert.equal(info.RestartCount, 2);
    assert.equal(info.State.ExitCode, 7);
    assert.deepEqual(info.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
    assert.equal(fs.readFileSync(path.join(b.root, 'containers', id, 'upper', 'runs'), 'utf8'), 'x\nx\nx\n');
    // A command that succeeds is not restarted by on-failure.
    await b.ok(['run', '-d', '--name', 'of-ok', '--restart', 'on-failure', 'busybox', 'true']);
    assert.equal(await b.ok(['wait', 'of-ok']), '0');
    const okId = (await b.inspect('of-ok')).Id as string;
    assert.ok(await waitFor(() => !alive(supervisorOf(okId)), 30_000));
    assert.equal((await b.inspect('of-ok')).RestartCount, 0);
  });

  it('always: back after its process is SIGKILLed and after its supervisor is; stop ends it for good', async () => {
    const id = await b.ok(['run', '-d', '--name', 'alw', '--restart', 'always', 'busybox', 'sleep', '1000']);
    const pid1 = (await state('alw')).Pid as number;
    process.kill(pid1, 'SIGKILL');
    const back = await waitFor(async () => { const s = await state('alw'); return s.Status === 'running' && s.Pid !== pid1 ? s : undefined; }, 60_000, 100);
    assert.ok(back, 'not restarted after its process was killed');
    assert.equal((await b.inspect('alw')).RestartCount, 1);
    assert.ok(alive(back.Pid));

    // The supervisor dies with SIGKILL: the next berth command finds the container unattended, and its
    // policy has a new supervisor start it again (the old process is killed with its cgroup).
    const sup = supervisorOf(id);
    process.kill(sup, 'SIGKILL');
    await waitFor(() => !alive(sup), 10_000);
    const again = await waitFor(async () => { await b.ok(['ps']); const s = await state('alw'); return s.Status === 'running' && s.Pid !== back.Pid ? s : undefined; }, 60_000, 100);
    assert.ok(again, 'not restarted after its supervisor was killed');
    assert.notEqual(supervisorOf(id), sup);
    assert.equal(alive(back.Pid), false, 'the run whose supervisor died was killed');
    assert.equal((await b.inspect('alw')).RestartCount, 2);

    await b.ok(['stop', '-t', '1', 'alw']);
    const stopped = await b.inspect('alw');
    assert.equal(stopped.State.Status, 'exited');
    assert.equal(alive(supervisorOf(id)), false, 'no supervisor is left to restart it');
    await b.ok(['ps', '-a']); // a reconcile: nothing brings it back
    assert.equal((await state('alw')).Status, 'exited');
    assert.deepEqual(b.residue().cgroups.filter((c) => c.includes(id)), []);
  });

  it('at the next boot: always comes back even after a stop, unless-stopped and no do not', async () => {
    await b.ok(['run', '-d', '--name', 'boot-alw', '--restart', 'always', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'boot-us', '--restart', 'unless-stopped', 'busybox', 'sleep', '1000']);
    await b.ok(['run', '-d', '--name', 'boot-no', 'busybox', 'sleep', '1000']);
    await b.ok(['stop', '-t', '0', 'boot-alw', 'boot-us', 'boot-no']);
    // Another boot id recorded: this machine "rebooted" since berth last started containers.
    fs.writeFileSync(path.join(b.root, 'last-boot-id'), 'an-earlier-boot\n');
    await b.ok(['__reconcile']);
    assert.equal((await state('boot-alw')).Status, 'running');
    assert.equal((await state('boot-us')).Status, 'exited');
    assert.equal((await state('boot-no')).Status, 'exited');
    // Once per boot: a stop now is final.
    await b.ok(['stop', '-t', '0', 'boot-alw']);
    await b.ok(['__reconcile']);
    assert.equal((await state('boot-alw')).Status, 'exited');
  });

  it('restart -t: a new run of the same container; a restarting container stops on stop', async () => {
    await b.ok(['run', '-d', '--name', 'rs', 'busybox', 'sleep', '1000']);
    const before = await state('rs');
    assert.equal(await b.ok(['restart', '-t', '0', 'rs']), 'rs');
    const after = await state('rs');
    assert.equal(after.Status, 'running');
    assert.notEqual(after.Pid, before.Pid);
    // A container that keeps failing spends its backoff "restarting"; stop ends that too.
    const id = await b.ok(['run', '-d', '--name', 'flap', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 1']);
    assert.ok(await waitFor(async () => ((await b.inspect('flap')).RestartCount as number) >= 3, 60_000, 50));
    await b.ok(['stop', 'flap']);
    assert.equal((await state('flap')).Status, 'exited');
    assert.equal(alive(supervisorOf(id)), false);
  });

  it('a restarted container keeps its published port and --ip: the same address answers after a SIGKILL', async () => {
    // The host netns needs its loopback for 127.0.0.1.
    execFileSync('ip', ['-n', b.host.name, 'link', 'set', 'lo', 'up']);
    await b.ok(['network', 'create', '--subnet', '10.231.0.0/24', 'rs-net']);
    try {
      await b.ok(['run', '-d', '--name', 'rs-web', '--restart', 'always', '--network', 'rs-net', '--ip', '10.231.0.77', '-p', '18431:80', 'busybox',
        'sh', '-c', 'mkdir -p /w; echo "run $(cat /w/n 2>/dev/null)" > /w/index.html; echo again > /w/n; exec httpd -f -p 80 -h /w']);
      const get = (url: string): string => execFileSync('nsenter', [`--net=${b.hostPath}`, 'curl', '-s', '-m', '5', url], { encoding: 'utf8' }).trim();
      let last = '';
      assert.ok(await waitFor(() => { try { return (last = get('http://127.0.0.1:18431/')) === 'run'; } catch (e) { last = String(e); return false; } }, 20_000), last);
      const pid = (await state('rs-web')).Pid as number;
      process.kill(pid, 'SIGKILL');
      const answer = await waitFor(() => { try { return get('http://127.0.0.1:18431/'); } catch { return ''; } }, 30_000, 100);
      // The second run wrote over the first one's page from the same writable layer.
      assert.equal(answer, 'run again');
      assert.equal(get('http://10.231.0.77/'), 'run again');
      assert.equal((await b.inspect('rs-web')).NetworkSettings.Networks['rs-net'].IPAddress, '10.231.0.77');
      await b.ok(['rm', '-f', 'rs-web']);
    } finally {
      await b.berth(['rm', '-f', 'rs-web']);
      await b.ok(['network', 'rm', 'rs-net']);
    }
  });
});
