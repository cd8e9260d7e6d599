// `berth top` and `berth cp` with real containers: top lists exactly the container's processes (an
// exec'd one too) with the ps options given; cp round-trips files and trees in and out of running
// and stopped containers, and never reads or writes outside the container's root through a symlink
// or `..`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useBerth, waitFor } from '../../../helpers/berth';

describe('berth CLI: top, cp', function () {
  this.timeout(60_000);
  const b = useBerth();
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cp-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('top shows the container\'s processes and only those, in the columns of the ps options given', async () => {
    await b.ok(['run', '-d', '--name', 'tp', 'busybox', 'sh', '-c', 'sleep 1001 & sleep 1002']);
    const pid = (await b.inspect('tp')).State.Pid as number;
    const out = await waitFor(async () => { const o = await b.ok(['top', 'tp']); return o.includes('sleep 1001') && o.includes('sleep 1002') ? o : undefined; }, 10_000);
    assert.ok(out);
    const [header, ...rows] = out.split('\n');
    assert.deepEqual(header!.split(/\s+/), ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    assert.equal(rows.length, 2, out); // the two sleeps (sh execs its last command)
    assert.ok(rows.some((r) => r.split(/\s+/)[1] === String(pid)));
    assert.ok(!out.includes('berth __supervise'), 'the supervisor is no process of the container');
    const custom = await b.ok(['top', 'tp', '-o', 'pid,comm']);
    assert.deepEqual(custom.split('\n')[0]!.split(/\s+/), ['PID', 'COMMAND']);
    assert.deepEqual(custom.split('\n').slice(1).map((l) => l.split(/\s+/)[1]).sort(), ['sleep', 'sleep']);
    await b.ok(['stop', '-t', '0', 'tp']);
    const stopped = await b.berth(['top', 'tp']);
    assert.equal(stopped.code, 1);
    assert.match(stopped.stderr, /is not running/);
  });

  it('cp round-trips a file and a tree (modes kept, links as links), into a running and a stopped container', async () => {
    fs.writeFileSync(path.join(tmp, 'file'), 'payload\n', { mode: 0o640 });
    fs.mkdirSync(path.join(tmp, 'tree', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'tree', 'sub', 'leaf'), 'leaf\n');
    fs.symlinkSync('sub/leaf', path.join(tmp, 'tree', 'link'));
    await b.ok(['run', '-d', '--name', 'cpr', 'busybox', 'sleep', '1000']);
    await b.ok(['cp', path.join(tmp, 'file'), 'cpr:/root/']);
    await b.ok(['cp', path.join(tmp, 'tree'), 'cpr:/root/tree']);
    assert.equal(await b.ok(['exec', 'cpr', 'cat', '/root/file']), 'payload');
    assert.equal(await b.ok(['exec', 'cpr', 'stat', '-c', '%a', '/root/file']), '640');
    assert.equal(await b.ok(['exec', 'cpr', 'cat', '/root/tree/link']), 'leaf');
    assert.equal(await b.ok(['exec', 'cpr', 'readlink', '/root/tree/link']), 'sub/leaf');
    // And back out, to a new name and into an existing directory.
    await b.ok(['cp', 'cpr:/root/file', path.join(tmp, 'back')]);
    assert.equal(fs.readFileSync(path.join(tmp, 'back'), 'utf8'), 'payload\n');
    assert.equal(fs.statSync(path.join(tmp, 'back')).mode & 0o777, 0o640);
    fs.mkdirSync(path.join(tmp, 'out'));
    await b.ok(['cp', 'cpr:/root/tree', path.join(tmp, 'out')]);
    assert.equal(fs.readFileSync(path.join(tmp, 'out', 'tree', 'sub', 'leaf'), 'utf8'), 'leaf\n');
    assert.equal(fs.readlinkSync(path.join(tmp, 'out', 'tree', 'link')), 'sub/leaf');
    // A stopped container: its layer is mounted for the copy and unmounted after.
    const id = (await b.inspect('cpr')).Id as string;
    await b.ok(['stop', '-t', '0', 'cpr']);
    await b.ok(['cp', path.join(tmp, 'file'), 'cpr:/while-stopped']);
    await b.ok(['cp', 'cpr:/root/tree/sub/leaf', path.join(tmp, 'leaf-from-stopped')]);
    assert.equal(fs.readFileSync(path.join(tmp, 'leaf-from-stopped'), 'utf8'), 'leaf\n');
    assert.equal(fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(`${id}/merged`), false, 'the layer is unmounted after the copy');
    await b.ok(['start', 'cpr']);
    assert.equal(await b.ok(['exec', 'cpr', 'cat', '/while-stopped']), 'payload');
    const missing = await b.berth(['cp', 'cpr:/nope', tmp]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error response from daemon: Could not find the file /nope in container cpr\n');
  });

  it('cp resolves symlinks and .. inside the container: nothing is written or read outside its root', async () => {
    const hostDir = path.join(tmp, 'host-dir');
    fs.mkdirSync(hostDir);
    fs.writeFileSync(path.join(tmp, 'secret'), 'host secret\n');
    fs.writeFileSync(path.join(tmp, 'file'), 'payload\n');
    // Links inside the container that name host paths: to a directory, to a file, and a relative climb.
    await b.ok(['run', '-d', '--name', 'cpl', 'busybox', 'sh', '-c',
      `ln -s ${hostDir} /escape-dir; ln -s ${path.join(tmp, 'secret')} /escape-file; ln -s ../../../../../../.. /up; sleep 1000`]);
    await waitFor(async () => (await b.berth(['exec', 'cpl', 'test', '-L', '/up'])).code === 0, 10_000);
    // Through the link to a directory that does not exist in the container: refused, the host dir untouched.
    const through = await b.berth(['cp', path.join(tmp, 'file'), 'cpl:/escape-dir/x']);
    assert.equal(through.code, 1);
    assert.match(through.stderr, /Could not find the file/);
    assert.deepEqual(fs.readdirSync(hostDir), []);
    // Through the climbing link and through ..: the write lands at the container's root, and a host
    // path named through them does not exist there.
    await b.ok(['cp', path.join(tmp, 'file'), 'cpl:/up/planted']);
    await b.ok(['cp', path.join(tmp, 'file'), 'cpl:/../../../../planted2']);
    assert.equal(fs.existsSync('/planted'), false);
    assert.equal(fs.existsSync('/planted2'), false);
    assert.equal(await b.ok(['exec', 'cpl', 'cat', '/planted']), 'payload');
    assert.equal(await b.ok(['exec', 'cpl', 'cat', '/planted2']), 'payload');
    const climb = await b.berth(['cp', path.join(tmp, 'file'), `cpl:/up${tmp}/planted3`]);
    assert.equal(climb.code, 1);
    assert.equal(fs.existsSync(path.join(tmp, 'planted3')), false);
    // Reading: a link to a host file is copied as the link, never the host file's contents.
    await b.ok(['cp', 'cpl:/escape-file', path.join(tmp, 'read-back')]);
    assert.equal(fs.lstatSync(path.join(tmp, 'read-back')).isSymbolicLink(), true);
    const read = await b.berth(['cp', 'cpl:/escape-dir/../secret', path.join(tmp, 'read-secret')]);
    assert.equal(read.code, 1, 'the host file is not found through the container\'s link');
    assert.equal(fs.existsSync(path.join(tmp, 'read-secret')), false);
    assert.deepEqual(fs.readdirSync(hostDir), []);
  });

  it('a cp killed while a stopped container\'s layer is mounted leaves a mount the next command unmounts', async () => {
    const id = await b.ok(['create', '--name', 'cpk', 'busybox', 'true']);
    const dir = path.join(b.root, 'containers', id);
    const image = (await b.inspect('cpk')).GraphDriver.Data.LowerDir as string;
    for (const d of ['upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    // What withContainerRoot mounts, left as a SIGKILLed cp would leave it.
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${image},upperdir=${dir}/upper,workdir=${dir}/work`, `${dir}/merged`]);
    const mounted = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(`${dir}/merged `);
    assert.ok(mounted());
    await b.ok(['ps', '-a']);
    assert.equal(mounted(), false, 'the reconcile unmounted it');
    await b.ok(['rm', 'cpk']);
  });
});
