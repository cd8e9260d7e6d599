// Storage of berth containers: named and anonymous volumes, bind mounts (ro and rw), tmpfs, and the
// overlay writable layer, checked from both sides (inside the container, and the host's files).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useBerth } from '../../../helpers/berth';

describe('berth CLI: volumes, binds, tmpfs, writable layer', function () {
  this.timeout(60_000);
  const b = useBerth();
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-bind-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('named volume: data survives containers, ls/inspect show it, rm refused while in use, --mount type=volume works', async () => {
    await b.ok(['run', '--rm', '-v', 'data:/data', 'busybox', 'sh', '-c', `echo kept > /data/f`]);
    assert.equal(await b.ok(['run', '--rm', '-v', 'data:/data', 'busybox', 'sh', '-c', `cat /data/f`]), 'kept');
    assert.match(await b.ok(['volume', 'ls']), /^local\s+data$/m);
    const [vol] = JSON.parse(await b.ok(['volume', 'inspect', 'data'])) as any[];
    assert.equal(vol.Name, 'data');
    assert.equal(vol.Driver, 'local');
    assert.equal(vol.Mountpoint, path.join(b.root, 'volumes', 'data', '_data'));
    assert.equal(fs.readFileSync(path.join(vol.Mountpoint, 'f'), 'utf8'), 'kept\n');

    const out = await b.ok(['run', '--rm', '--mount', 'type=volume,src=data,dst=/m', 'busybox', 'sh', '-c', `cat /m/f`]);
    assert.equal(out, 'kept');

    const user = await b.ok(['run', '-d', '-v', 'data:/data', 'busybox', 'sleep', '1000']);
    const rm = await b.berth(['volume', 'rm', 'data']);
    assert.notEqual(rm.code, 0);
    assert.match(rm.stderr, /volume is in use/);
    assert.match(rm.stderr, new RegExp(user));
    assert.ok(fs.existsSync(path.join(vol.Mountpoint, 'f')));
    await b.ok(['rm', '-f', user]);
    await b.ok(['volume', 'rm', 'data']);
    assert.equal(fs.existsSync(path.join(b.root, 'volumes', 'data')), false);
    assert.doesNotMatch(await b.ok(['volume', 'ls']), /data/);
  });

  it('anonymous volume with --rm is removed after the container exits', async () => {
    const before = fs.existsSync(path.join(b.root, 'volumes')) ? fs.readdirSync(path.join(b.root, 'volumes')) : [];
    await b.ok(['run', '--rm', '-v', '/anon', 'busybox', 'sh', '-c', `echo x > /anon/f`]);
    const after = fs.existsSync(path.join(b.root, 'volumes')) ? fs.readdirSync(path.join(b.root, 'volumes')) : [];
    assert.deepEqual(after, before);
    // And a kept container keeps its anonymous volume, listed by volume ls, until rm -v.
    await b.ok(['run', '--name', 'anonkeep', '-v', '/anon', 'busybox', 'sh', '-c', `echo x > /anon/f`]);
    const mounts = (await b.inspect('anonkeep')).Mounts as any[];
    const anon = mounts.find((m) => m.Destination === '/anon');
    assert.equal(anon?.Type, 'volume');
    assert.match(await b.ok(['volume', 'ls', '-q']), new RegExp(anon.Name));
    await b.ok(['rm', '-v', 'anonkeep']);
    assert.doesNotMatch(await b.ok(['volume', 'ls', '-q']), new RegExp(anon.Name));
  });

  it('bind: ro refuses writes and leaves the host file alone; rw writes reach the host; missing --mount source is refused', async () => {
    fs.writeFileSync(path.join(dir, 'f'), 'host\n');
    const ro = await b.berth(['run', '--rm', '-v', `${dir}:/x:ro`, 'busybox', 'sh', '-c', `echo changed > /x/f; rc=$?; exit $rc`]);
    assert.notEqual(ro.code, 0);
    assert.match(ro.stderr, /Read-only file system/);
    assert.equal(fs.readFileSync(path.join(dir, 'f'), 'utf8'), 'host\n');

    await b.ok(['run', '--rm', '-v', `${dir}:/x`, 'busybox', 'sh', '-c', `cat /x/f > /x/g; echo new >> /x/g`]);
    assert.equal(fs.readFileSync(path.join(dir, 'g'), 'utf8'), 'host\nnew\n');

    const missing = await b.berth(['run', '--rm', '--mount', 'type=bind,src=/nonexistent,dst=/x', 'busybox', 'true']);
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /bind source path does not exist/);
    assert.equal(fs.existsSync('/nonexistent'), false);
  });

  it('tmpfs: --tmpfs size=1m and --mount type=tmpfs,tmpfs-size=2097152', async () => {
    const out = await b.ok(['run', '--rm', '--tmpfs', '/t:size=1m', '--mount', 'type=tmpfs,dst=/u,tmpfs-size=2097152', 'busybox', 'sh', '-c',
      `df -k /t /u; echo ---; cat /proc/mounts`]);
    const [df, mounts] = out.split('---\n') as [string, string];
    const size = (m: string) => df.split('\n').find((l) => l.trim().endsWith(` ${m}`))?.trim().split(/\s+/)[1];
    assert.equal(size('/t'), '1024', df);
    assert.equal(size('/u'), '2048', df);
    assert.match(mounts, /^tmpfs \/t tmpfs rw,.*size=1024k/m);
    assert.match(mounts, /^tmpfs \/u tmpfs rw,.*size=2048k/m);
  });

  it('writable layer: files land in <root>/containers/<id>/upper, go away with rm, and the image is untouched', async () => {
    const id = await b.ok(['run', '-d', 'busybox', 'sh', '-c', 'echo layer > /written; rm /bin/ls; sleep 1000']);
    const c = await b.inspect(id);
    const lower = c.GraphDriver.Data.LowerDir as string;
    const upper = path.join(b.root, 'containers', id, 'upper');
    assert.equal(c.GraphDriver.Data.UpperDir, upper);
    let written = false;
    for (let i = 0; i < 50 && !written; i++) {
      written = fs.existsSync(path.join(upper, 'written'));
      if (!written) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(fs.readFileSync(path.join(upper, 'written'), 'utf8'), 'layer\n');
    // A deletion is a whiteout (a 0:0 character device) in the upper layer; the image keeps the file.
    const whiteout = fs.statSync(path.join(upper, 'bin', 'ls'));
    assert.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, 'whiteout for /bin/ls');
    assert.ok(fs.existsSync(path.join(lower, 'bin', 'ls')));
    assert.equal(fs.existsSync(path.join(lower, 'written')), false);
    await b.ok(['rm', '-f', id]);
    assert.equal(fs.existsSync(path.join(b.root, 'containers', id)), false);
    assert.equal(fs.existsSync(path.join(lower, 'written')), false);
    const out = await b.ok(['run', '--rm', 'busybox', 'sh', '-c', `ls /written 2>&1; ls /bin/ls`]);
    assert.match(out, /No such file/);
    assert.match(out, /^\/bin\/ls$/m);
  });
});
