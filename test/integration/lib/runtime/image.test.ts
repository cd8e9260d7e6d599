// The image store against the real system as root: a busybox image that runs in a chroot and as
// an overlay lower dir, and tarball/directory imports that keep owners and device nodes (which
// only root can create). Every path is under a mkdtemp directory removed after each test; the
// overlay is mounted inside a private mount namespace (`unshare -m`) that dies with its child.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../../../../lib/runtime/image';

describe('lib/runtime/image (root)', () => {
  let base: string;
  let store: ImageStore;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'berth-image-it-'));
    store = new ImageStore({ root: join(base, 'root') });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('creates a busybox image that runs on its own, in a chroot and as an overlay lower dir', async () => {
    const info = await store.createBusybox();
    const rootfs = store.rootfs(info.id);
    assert.ok(lstatSync(join(rootfs, 'bin/sh')).isSymbolicLink());
    assert.equal(readlinkSync(join(rootfs, 'bin/sh')), '../bin/busybox');
    assert.equal(execFileSync(join(rootfs, 'bin/busybox'), ['echo', 'hi'], { encoding: 'utf8' }), 'hi\n');
    const owner = statSync(join(rootfs, 'bin/busybox'));
    assert.deepEqual([owner.uid, owner.gid], [0, 0]);
    // Nothing from the host is needed: no loader, no libraries.
    assert.equal(execFileSync('chroot', [rootfs, '/bin/sh', '-c', 'echo "$(id -u) $(ls /usr/bin/wget)"'], { encoding: 'utf8' }), '0 /usr/bin/wget\n');
    for (const d of ['upper', 'work', 'merged']) mkdirSync(join(base, d));
    const script = `mount -t overlay overlay -o lowerdir=${rootfs},upperdir=${base}/upper,workdir=${base}/work ${base}/merged && chroot ${base}/merged /bin/sh -c 'echo written > /tmp/new; cat /etc/group'`;
    const out = execFileSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' });
    assert.equal(out, 'root:x:0:\nnobody:x:65534:\n');
    assert.equal(readFileSync(join(base, 'upper/tmp/new'), 'utf8'), 'written\n');
    assert.equal(existsSync(join(rootfs, 'tmp/new')), false); // the image stays untouched
  });

  /** A source tree with a file owned by 1234:5678 and two device nodes, made with mknod(1). */
  function sourceWithOwnersAndDevices(): string {
    const src = join(base, 'src');
    mkdirSync(join(src, 'dev'), { recursive: true });
    mkdirSync(join(src, 'home/app'), { recursive: true });
    writeFileSync(join(src, 'home/app/data'), 'mine');
    chownSync(join(src, 'home/app/data'), 1234, 5678);
    chownSync(join(src, 'home/app'), 1234, 5678);
    execFileSync('mknod', ['-m', '666', join(src, 'dev/null'), 'c', '1', '3']);
    execFileSync('mknod', ['-m', '600', join(src, 'dev/loopx'), 'b', '7', '200']);
    return src;
  }

  function assertOwnersAndDevices(rootfs: string): void {
    const data = statSync(join(rootfs, 'home/app/data'));
    assert.deepEqual([data.uid, data.gid], [1234, 5678]);
    assert.deepEqual([statSync(join(rootfs, 'home/app')).uid, statSync(join(rootfs, 'home/app')).gid], [1234, 5678]);
    const nul = lstatSync(join(rootfs, 'dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.equal(nul.mode & 0o777, 0o666);
    const blk = lstatSync(join(rootfs, 'dev/loopx'));
    assert.ok(blk.isBlockDevice());
    assert.equal(blk.rdev, (7 << 8) | 200);
    assert.equal(readFileSync(join(rootfs, 'dev/null'), 'utf8'), ''); // a real device node, not a copy
  }

  it('keeps non-root owners and device nodes from a tarball', async () => {
    const tar = join(base, 'rootfs.tgz');
    execFileSync('tar', ['-czf', tar, '--numeric-owner', '-C', sourceWithOwnersAndDevices(), '.']);
    const info = await store.importTar(tar, 'devices');
    assertOwnersAndDevices(store.rootfs(info.id));
  });

  it('keeps non-root owners and device nodes from a directory; the same tree is one layer, a changed owner another', async () => {
    const src = sourceWithOwnersAndDevices();
    const info = await store.importDir(src, 'devices');
    assertOwnersAndDevices(store.rootfs(info.id));
    assert.deepEqual((await store.importDir(src, 'again')).layers, info.layers);
    chownSync(join(src, 'home/app/data'), 1235, 5678);
    const changed = await store.importDir(src, 'changed');
    assert.notDeepEqual(changed.layers, info.layers);
    assertOwnersAndDevices(store.rootfs(info.id));
  });
});
