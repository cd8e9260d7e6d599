// User namespaces (`berth run --userns-uidmap/--userns-gidmap`, dist/bin/berth built): root inside is an
// unprivileged host id outside, the image's files are root's inside through an idmapped mount, what
// the container writes is owned by the mapped host id, the host stays out of reach, networking and
// exec work, and a SIGKILL still ends in 137. The sandbox's cleanup proves no mount is left.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ImageStore } from '../../../../lib/runtime/image';
import { mountIdmapped } from '../../../../lib/sys';
import { mountsUnder, useBerth, waitFor } from '../../../helpers/berth';

/** A range no other test uses, so ownership seen outside can only come from this mapping. */
const HOST_UID = 231072;
const HOST_GID = 296608;
const MAPS = ['--userns-uidmap', `0:${HOST_UID}:65536`, '--userns-gidmap', `0:${HOST_GID}:65536`];

/** The Uid: or Gid: line of /proc/<pid>/status: real, effective, saved, filesystem. */
function statusIds(pid: number, field: 'Uid' | 'Gid'): number[] {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
  return line.split(/\s+/).slice(1).map(Number);
}

describe('berth CLI: user namespaces', function () {
  this.timeout(60_000);
  const b = useBerth();
  // berth makes BERTH_ROOT and what is under it passable for a mapped root (as dockerd does its
  // root); the directories above it are the admin's, here the sandbox's mkdtemp dir (0700).
  before(() => fs.chmodSync(b.base, 0o711));

  it('root inside is the mapped host id outside; uid_map shows the map; image files are root\'s, new files the mapped id\'s', async () => {
    await b.ok(['run', '-d', '--name', 'u1', ...MAPS, 'busybox', 'sh', '-c', 'echo made > /made; mkdir /newdir; sleep 1000']);
    const c = await b.inspect('u1');
    assert.equal(c.HostConfig.UsernsMode, 'private');
    const pid = c.State.Pid as number;
    // Outside: every one of its ids is the mapped root.
    assert.deepEqual(statusIds(pid, 'Uid'), [HOST_UID, HOST_UID, HOST_UID, HOST_UID]);
    assert.deepEqual(statusIds(pid, 'Gid'), [HOST_GID, HOST_GID, HOST_GID, HOST_GID]);
    // Inside: root, with the map as the kernel has it.
    assert.equal(await b.ok(['exec', 'u1', 'id', '-u']), '0');
    assert.equal(await b.ok(['exec', 'u1', 'id', '-g']), '0');
    assert.deepEqual((await b.ok(['exec', 'u1', 'cat', '/proc/self/uid_map'])).trim().split(/\s+/).map(Number), [0, HOST_UID, 65536]);
    assert.deepEqual((await b.ok(['exec', 'u1', 'cat', '/proc/self/gid_map'])).trim().split(/\s+/).map(Number), [0, HOST_GID, 65536]);
    // The exec'd process is in the container's user namespace too, and as unprivileged outside.
    assert.equal(await b.ok(['exec', 'u1', 'readlink', '/proc/self/ns/user']), fs.readlinkSync(`/proc/${pid}/ns/user`));
    assert.notEqual(fs.readlinkSync(`/proc/${pid}/ns/user`), fs.readlinkSync('/proc/self/ns/user'));
    // The image's files (root-owned on the host) read as root inside, through the idmapped mount.
    assert.equal(await b.ok(['exec', 'u1', 'stat', '-c', '%u:%g', '/bin/busybox']), '0:0');
    const imageBusybox = (await b.ok(['exec', 'u1', 'stat', '-c', '%s', '/bin/busybox']));
    assert.ok(Number(imageBusybox) > 0);
    // What the container wrote sits in its upper layer, owned by the mapped root on the host.
    const upper = path.join(b.root, 'containers', c.Id, 'upper');
    for (let i = 0; i < 100 && !fs.existsSync(path.join(upper, 'newdir')); i++) await new Promise((r) => setTimeout(r, 50));
    for (const f of ['made', 'newdir']) {
      const st = fs.statSync(path.join(upper, f));
      assert.deepEqual([st.uid, st.gid], [HOST_UID, HOST_GID], `${f} in the upper layer`);
    }
    assert.equal(await b.ok(['exec', 'u1', 'stat', '-c', '%u:%g', '/made']), '0:0');
    // A copy-up of an image file (the lower is root-owned on disk) is the mapped root's too.
    await b.ok(['exec', 'u1', 'sh', '-c', 'echo more >> /etc/passwd']);
    const passwd = fs.statSync(path.join(upper, 'etc', 'passwd'));
    assert.deepEqual([passwd.uid, passwd.gid], [HOST_UID, HOST_GID]);
    // No host-side mount is left once it runs: the idmapped image lives in its mount namespace only.
    assert.deepEqual(mountsUnder(b.root), []);
    await b.ok(['rm', '-f', 'u1']);
    // rm takes the container's directory, the (already detached) idmapped mount point included.
    assert.equal(fs.existsSync(path.join(b.root, 'containers', c.Id)), false);
  });

  it('root inside cannot do what needs root on the host', async () => {
    // A host-root-only file and a host-root-owned directory, bound in.
    const secret = path.join(b.base, 'secret');
    const hostDir = path.join(b.base, 'hostdir');
    fs.writeFileSync(secret, 'host only\n', { mode: 0o600 });
    fs.mkdirSync(hostDir, { mode: 0o755 });
    const script = [
      // Its own mount namespace is its to change (its user namespace owns it)...
      'mkdir -p /mnt && mount -t tmpfs none /mnt && echo own-mount-ok',
      // ...the host's files are not: root inside is an unprivileged id on them.
      'cat /secret 2>/dev/null && echo secret-read || echo secret-refused',
      'touch /hostdir/x 2>/dev/null && echo hostdir-written || echo hostdir-refused',
      'stat -c %u /secret',
    ].join('; ');
    const out = await b.ok(['run', '--rm', ...MAPS, '-v', `${secret}:/secret`, '-v', `${hostDir}:/hostdir`, 'busybox', 'sh', '-c', script]);
    assert.match(out, /own-mount-ok/);
    assert.match(out, /secret-refused/);
    assert.match(out, /hostdir-refused/);
    // Host root is unmapped inside: the overflow uid.
    assert.match(out, /^65534$/m);
    assert.deepEqual(fs.readdirSync(hostDir), []);
    // The same without a user namespace reads and writes both (root is root).
    const plain = await b.ok(['run', '--rm', '-v', `${secret}:/secret`, '-v', `${hostDir}:/hostdir`, 'busybox', 'sh', '-c', script]);
    assert.match(plain, /secret-read/);
    assert.match(plain, /hostdir-written/);
  });

  it('networking works: it pings its gateway, and a TCP connection reaches another user namespace container', async () => {
    // Its netns is owned by its user namespace: a raw ICMP socket is root's there, as sysfs is.
    const ping = await b.ok(['run', '--rm', ...MAPS, 'busybox', 'sh', '-c', 'ping -c1 -W2 10.87.0.1; grep " /sys " /proc/self/mounts']);
    assert.match(ping, /1 packets received/);
    assert.match(ping, /^sysfs \/sys sysfs ro,/m);
    await b.ok(['run', '-d', '--name', 'srv', ...MAPS, 'busybox', 'sh', '-c', 'nc -l -p 7777 > /got; sleep 1000']);
    const ip = (await b.inspect('srv')).NetworkSettings.Networks.bridge.IPAddress as string;
    assert.match(ip, /^10\.87\./);
    let sent = false;
    for (let i = 0; i < 50 && !sent; i++) {
      sent = (await b.berth(['run', '--rm', ...MAPS, 'busybox', 'sh', '-c', `echo hello | nc -w 2 ${ip} 7777`])).code === 0;
    }
    assert.ok(sent, 'the client connected');
    assert.equal(await b.ok(['exec', 'srv', 'cat', '/got']), 'hello');
    await b.ok(['rm', '-f', 'srv']);
  });

  it('--network host: the host netns is joined before the user namespace, and root inside is no admin of it', async () => {
    const script = 'ip link show berth0 >/dev/null && echo sees-host; ip addr add 192.0.2.77/32 dev lo 2>/dev/null && echo added || echo refused';
    const out = await b.ok(['run', '--rm', ...MAPS, '--network', 'host', 'busybox', 'sh', '-c', script]);
    assert.match(out, /sees-host/);
    assert.match(out, /refused/);
    const lo = execFileSync('ip', ['-n', b.host.name, '-o', 'addr', 'show', 'lo'], { encoding: 'utf8' });
    assert.doesNotMatch(lo, /192\.0\.2\.77/);
  });

  it('volumes: a new volume is the mapped root\'s, and its copy-up from the image keeps the image\'s owners as seen inside', async () => {
    const out = await b.ok(['run', '--rm', ...MAPS, '-v', 'uvol:/etc', '-v', 'wvol:/data', 'busybox', 'sh', '-c',
      'stat -c %u:%g /etc/passwd /data; echo w > /data/f && echo wrote']);
    assert.deepEqual(out.split('\n'), ['0:0', '0:0', 'wrote']);
    const data = JSON.parse(await b.ok(['volume', 'inspect', 'wvol']))[0].Mountpoint as string;
    const f = fs.statSync(path.join(data, 'f'));
    assert.deepEqual([f.uid, f.gid], [HOST_UID, HOST_GID]);
    const etc = JSON.parse(await b.ok(['volume', 'inspect', 'uvol']))[0].Mountpoint as string;
    const passwd = fs.statSync(path.join(etc, 'passwd'));
    assert.deepEqual([passwd.uid, passwd.gid], [HOST_UID, HOST_GID]);
    await b.ok(['volume', 'rm', 'uvol', 'wvol']);
  });

  it('an idmapped image mount left by a crash is detached by rm, never deleted through', async () => {
    await b.ok(['run', '-d', '--name', 'crashed', ...MAPS, 'busybox', 'sleep', '1000']);
    const c = await b.inspect('crashed');
    // What a SIGKILL between the mount and the init's start leaves: the image's layer idmapped at <dir>/lower/0.
    const rootfs = new ImageStore({ root: b.root }).rootfs((c.Image as string).replace(/^sha256:/, ''));
    const lower = path.join(b.root, 'containers', c.Id, 'lower', '0');
    fs.mkdirSync(lower, { recursive: true });
    const fd = fs.openSync(`/proc/${c.State.Pid}/ns/user`, 'r');
    try { mountIdmapped(rootfs, lower, fd); } finally { fs.closeSync(fd); }
    assert.deepEqual(mountsUnder(b.root), [lower]);
    await b.ok(['rm', '-f', 'crashed']);
    assert.deepEqual(mountsUnder(b.root), []);
    assert.ok(fs.statSync(path.join(rootfs, 'bin', 'busybox')).size > 0, 'the image is intact');
    assert.equal(fs.existsSync(path.join(b.root, 'containers', c.Id)), false);
  });

  it('a user network: containers in user namespaces resolve each other by name through the embedded DNS', async () => {
    // No search line or host resolver needed: the name is the network's own.
    const resolvConf = path.join(b.base, 'host-resolv.conf');
    fs.writeFileSync(resolvConf, 'nameserver 127.0.0.1\n');
    const env = { env: { BERTH_RESOLV_CONF: resolvConf } };
    await b.ok(['network', 'create', '--subnet', '10.234.0.0/24', 'unet'], env);
    try {
      await b.ok(['run', '-d', '--name', 'named', '--network', 'unet', ...MAPS, 'busybox', 'sleep', '1000'], env);
      const ip = (await b.inspect('named')).NetworkSettings.Networks.unet.IPAddress as string;
      const out = await b.ok(['run', '--rm', '--network', 'unet', ...MAPS, 'busybox', 'sh', '-c', 'nslookup -type=a named; ping -c1 -W2 named'], env);
      assert.match(out, new RegExp(`Address: ${ip.replace(/\./g, '\\.')}$`, 'm'));
      assert.match(out, /1 packets received/);
    } finally {
      await b.removeAllContainers();
      await b.stopBerthd();
      await b.ok(['network', 'rm', 'unet']);
    }
  });

  it('exit codes stay exact: 3, and 137 when its PID 1 is SIGKILLed', async () => {
    const three = await b.berth(['run', '--rm', ...MAPS, 'busybox', 'sh', '-c', 'exit 3']);
    assert.equal(three.code, 3);
    // `kill -9 $$` from PID 1 itself: the kernel drops signals an init sends itself (SIG_DFL), so
    // the shell goes on, with or without a user namespace, as under Docker.
    const self = await b.berth(['run', '--rm', ...MAPS, 'busybox', 'sh', '-c', 'kill -9 $$; exit 5']);
    const plain = await b.berth(['run', '--rm', 'busybox', 'sh', '-c', 'kill -9 $$; exit 5']);
    assert.equal(self.code, plain.code);
    // SIGKILL from outside its PID namespace kills PID 1: an attached run ends 137, as does the record.
    const run = b.spawn(['run', '--name', 'k1', ...MAPS, 'busybox', 'sh', '-c', 'echo up; sleep 1000']);
    const runExit = new Promise<number | null>((resolve) => run.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => run.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('up')) resolve(); }));
    const pid = (await b.inspect('k1')).State.Pid as number;
    process.kill(pid, 'SIGKILL');
    assert.equal(await runExit, 137);
    const c = await b.inspect('k1');
    assert.equal(c.State.ExitCode, 137);
    await b.ok(['rm', 'k1']);
  });

  it('a start that fails leaves nothing: 127 for a missing command, no mount, no holder, no netns', async () => {
    const r = await b.berth(['run', '--name', 'nocmd', ...MAPS, 'busybox', 'no-such-command']);
    assert.equal(r.code, 127, r.stderr);
    assert.match(r.stderr, /executable file not found/);
    assert.deepEqual(mountsUnder(b.root), []);
    const left = b.residue();
    assert.deepEqual([left.processes, left.netns, left.cgroups], [[], [], []]);
    await b.ok(['rm', 'nocmd']);
  });

  it('SIGKILL of an attached userns `berth run` at random instants (10 times): no mount, holder or netns left once reconciled', async () => {
    const report: string[] = [];
    for (let i = 0; i < 10; i++) {
      const child = b.spawn(['run', ...MAPS, 'busybox', 'sleep', '100']);
      const delay = Math.floor(Math.random() * 600);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      await b.ok(['ps', '-a']);
      const running = await b.runningIds();
      const stray: Record<string, unknown> = b.residueExcept(running);
      delete stray.containers;
      const mounts = mountsUnder(b.root).filter((m) => !running.some((id) => m.includes(id)));
      if (mounts.length > 0) stray.mounts = mounts;
      if (Object.keys(stray).length > 0) report.push(`kill after ${delay} ms: ${JSON.stringify(stray)}`);
    }
    assert.deepEqual(report, []);
    const all = await b.ok(['ps', '-aq', '--no-trunc']);
    if (all !== '') await b.ok(['rm', '-f', ...all.split('\n')]);
    assert.deepEqual(mountsUnder(b.root), []);
  });

  it('BERTH_USERNS_IDMAP=0: a copy of the image with shifted owners, made once per mapping and removed with the image', async () => {
    const env = { env: { BERTH_USERNS_IDMAP: '0' } };
    assert.equal(await b.ok(['run', '--rm', ...MAPS, 'busybox', 'stat', '-c', '%u:%g', '/bin/busybox'], env), '0:0');
    const layer = (JSON.parse(await b.ok(['image', 'inspect', 'busybox']))[0].RootFS.Layers[0] as string).replace(/^sha256:/, '');
    // Kept beside the layer it copies, so the layer's removal takes it.
    const copies = path.join(b.root, 'images', 'layers', layer, 'userns');
    const [key, ...others] = fs.readdirSync(copies);
    assert.equal(others.length, 0, 'one copy for one mapping');
    const copied = fs.statSync(path.join(copies, key!, 'rootfs', 'bin', 'busybox'));
    assert.deepEqual([copied.uid, copied.gid], [HOST_UID, HOST_GID]);
    // The image itself is untouched, and no mount is involved.
    assert.equal(fs.statSync(path.join(b.root, 'images', 'layers', layer, 'diff', 'bin', 'busybox')).uid, 0);
    await b.ok(['run', '-d', '--name', 'copy2', ...MAPS, 'busybox', 'sh', '-c', 'echo x > /x; sleep 1000'], env);
    assert.deepEqual(fs.readdirSync(copies), [key], 'the copy is reused');
    assert.deepEqual(mountsUnder(b.root), []);
    assert.equal(await b.ok(['exec', 'copy2', 'stat', '-c', '%u', '/x']), '0');
    await b.ok(['rm', '-f', 'copy2']);
    await b.ok(['image', 'rm', 'busybox']);
    assert.equal(fs.existsSync(path.join(b.root, 'images', 'layers', layer)), false);
    await b.ok(['image', 'busybox']);
  });

  it('stop and start again: the same mapping, its files kept, and --restart always brings it back after a kill', async () => {
    await b.ok(['run', '-d', '--name', 'again', ...MAPS, 'busybox', 'sh', '-c', 'echo kept >> /mark; sleep 1000']);
    await b.ok(['stop', '-t', '1', 'again']);
    await b.ok(['start', 'again']);
    const pid = (await b.inspect('again')).State.Pid as number;
    assert.deepEqual(statusIds(pid, 'Uid'), [HOST_UID, HOST_UID, HOST_UID, HOST_UID]);
    assert.equal(await b.ok(['exec', 'again', 'id', '-u']), '0');
    assert.equal(await b.ok(['exec', 'again', 'cat', '/mark']), 'kept\nkept', 'the writable layer is the same');

    await b.ok(['run', '-d', '--name', 'always', '--restart', 'always', ...MAPS, 'busybox', 'sleep', '1000']);
    const first = (await b.inspect('always')).State.Pid as number;
    process.kill(first, 'SIGKILL');
    const back = await waitFor(async () => {
      const s = (await b.inspect('always')).State;
      return s.Running === true && s.Pid !== first ? s.Pid as number : undefined;
    }, 20_000, 100);
    assert.ok(back, 'restarted by its policy');
    assert.deepEqual(statusIds(back, 'Uid'), [HOST_UID, HOST_UID, HOST_UID, HOST_UID]);
  });

  it('refuses maps without root and bad values, naming the flag', async () => {
    const noRoot = await b.berth(['run', '--rm', '--userns-uidmap', '1:100000:10', 'busybox', 'true']);
    assert.notEqual(noRoot.code, 0);
    assert.match(noRoot.stderr, /--userns-uidmap: container id 0 \(root\) is not mapped/);
    const both = await b.berth(['run', '--rm', '--userns', 'host', ...MAPS, 'busybox', 'true']);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /--userns/);
  });
});
