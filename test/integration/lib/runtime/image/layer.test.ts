// Image layers as root, against the real kernel: tars written by tar-stream (not by berth's packer)
// with owners, setuid, hard links, devices, fifos, xattrs (user, trusted, security.capability) and
// OCI whiteouts; the unpacked directories then stacked as a real read-only overlayfs, whose merged
// view must show the whiteout and the opaque directory at work. Malicious tars must not write
// outside the layer. Everything lives under a mkdtemp directory removed after each test; the overlay
// is mounted inside a private mount namespace (`unshare -m`) that dies with its child, so no mount
// can outlive a test.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { packLayer, unpackLayer } from '../../../../../lib/runtime/image/layer';
import { lgetxattr } from '../../../../../lib/sys';
import { bytesOf, streamOf, tarOf, type Member } from '../../../../helpers/layer-tar';

/** security.capability for cap_net_raw+ep (vfs_cap_data revision 2, little endian). */
const CAP_NET_RAW_EP = Buffer.from([0x01, 0, 0, 0x02, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

const LOWER: Member[] = [
  { name: 'etc/', type: 'directory', mode: 0o755 },
  { name: 'etc/passwd', mode: 0o644, body: 'root:x:0:0::/root:/bin/sh\n' },
  { name: 'home/app/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000 },
  { name: 'home/app/data', mode: 0o600, uid: 1000, gid: 1000, body: 'mine' },
  { name: 'usr/bin/su', mode: 0o4755, body: 'su binary' },
  { name: 'usr/bin/su-again', type: 'link', linkname: 'usr/bin/su' },
  { name: 'usr/bin/sh', type: 'symlink', linkname: 'busybox' },
  { name: 'usr/bin/ping', mode: 0o755, body: 'ping', pax: { 'SCHILY.xattr.security.capability': CAP_NET_RAW_EP.toString('latin1') } },
  { name: 'dev/null', type: 'character-device', mode: 0o666, devmajor: 1, devminor: 3 },
  { name: 'dev/loop7', type: 'block-device', mode: 0o660, devmajor: 7, devminor: 7 },
  { name: 'run/fifo', type: 'fifo', mode: 0o600 },
  { name: 'tagged', body: 'x', pax: { 'SCHILY.xattr.user.foo': 'bar', 'SCHILY.xattr.trusted.berth': 'yes' } },
  { name: 'gone', body: 'deleted above' },
  { name: 'opq/', type: 'directory' },
  { name: 'opq/old', body: 'hidden above' },
  { name: 'keep', body: 'kept' },
];

const UPPER: Member[] = [
  { name: '.wh.gone', body: '' },
  { name: 'opq/', type: 'directory', mode: 0o755 },
  { name: 'opq/.wh..wh..opq', body: '' },
  { name: 'opq/new', body: 'new above' },
  { name: 'added', body: 'added above' },
];

describe('lib/runtime/image/layer (root)', () => {
  let base: string;
  const layer = (name: string) => join(base, name);

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'berth-layer-it-'));
    for (const d of ['lower', 'upper', 'merged']) mkdirSync(layer(d));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  async function unpackBoth(): Promise<void> {
    await unpackLayer(streamOf(await tarOf(LOWER)), layer('lower'), 'lower');
    await unpackLayer(streamOf(await tarOf(UPPER)), layer('upper'), 'upper');
  }

  it('keeps owners, setuid, hard links, devices, fifos and xattrs as the tar has them', async () => {
    await unpackBoth();
    const at = (p: string) => lstatSync(join(layer('lower'), p));
    assert.deepEqual([at('home/app').uid, at('home/app').gid, at('home/app').mode & 0o7777], [1000, 1000, 0o750]);
    assert.deepEqual([at('home/app/data').uid, at('home/app/data').gid, at('home/app/data').mode & 0o7777], [1000, 1000, 0o600]);
    assert.equal(at('usr/bin/su').mode & 0o7777, 0o4755);
    assert.equal(at('usr/bin/su').nlink, 2);
    assert.equal(at('usr/bin/su-again').ino, at('usr/bin/su').ino);
    assert.equal(readlinkSync(join(layer('lower'), 'usr/bin/sh')), 'busybox');
    assert.ok(at('dev/null').isCharacterDevice());
    assert.deepEqual([at('dev/null').rdev, at('dev/null').mode & 0o7777], [(1 << 8) | 3, 0o666]);
    assert.ok(at('dev/loop7').isBlockDevice());
    assert.equal(at('dev/loop7').rdev, (7 << 8) | 7);
    assert.ok(at('run/fifo').isFIFO());
    assert.equal(lgetxattr(join(layer('lower'), 'tagged'), 'user.foo')?.toString(), 'bar');
    assert.equal(lgetxattr(join(layer('lower'), 'tagged'), 'trusted.berth')?.toString(), 'yes');
    assert.deepEqual(lgetxattr(join(layer('lower'), 'usr/bin/ping'), 'security.capability'), CAP_NET_RAW_EP);
    assert.match(execFileSync('getcap', [join(layer('lower'), 'usr/bin/ping')], { encoding: 'utf8' }), /cap_net_raw[=+]ep/);
  });

  it('turns OCI whiteouts into overlayfs ones, which a real overlay mount honours', async () => {
    await unpackBoth();
    const gone = lstatSync(join(layer('upper'), 'gone'));
    assert.ok(gone.isCharacterDevice());
    assert.deepEqual([gone.rdev, gone.mode & 0o7777], [0, 0]);
    assert.equal(lgetxattr(join(layer('upper'), 'opq'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.deepEqual(readdirSync(layer('upper')).sort(), ['added', 'gone', 'opq']); // no .wh. file left
    assert.deepEqual(readdirSync(join(layer('upper'), 'opq')), ['new']);

    const merged = layer('merged');
    const script = `mount -t overlay overlay -o ro,lowerdir=${layer('upper')}:${layer('lower')} ${merged} && cd ${merged} && find . -mindepth 1 | sort && cat keep opq/new`;
    const out = execFileSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' }).split('\n');
    assert.ok(!out.includes('./gone'), 'the whiteout hides the lower file');
    assert.ok(out.includes('./opq/new'));
    assert.ok(!out.includes('./opq/old'), 'the opaque directory hides the lower contents');
    for (const visible of ['./added', './keep', './dev/null', './usr/bin/su', './home/app/data', './run/fifo']) assert.ok(out.includes(visible), visible);
    assert.equal(out.at(-1), 'keptnew above');
    assert.deepEqual(readdirSync(merged), [], 'the mount died with its namespace');
  });

  it('packs the unpacked layers back with their whiteouts, devices, owners and xattrs, byte-identically again', async () => {
    await unpackBoth();
    const entries = async (dir: string) => {
      const out = new Map<string, tarStream.Header>();
      const extract = tarStream.extract();
      const done = (async () => {
        for await (const e of extract) {
          out.set(e.header.name, e.header);
          e.resume();
        }
      })();
      extract.end(await bytesOf(packLayer(dir)));
      await done;
      return out;
    };
    const upper = await entries(layer('upper'));
    assert.deepEqual([...upper.keys()], ['added', '.wh.gone', 'opq/', 'opq/.wh..wh..opq', 'opq/new']);
    assert.deepEqual([upper.get('.wh.gone')?.type, upper.get('.wh.gone')?.size], ['file', 0]);
    assert.equal(upper.get('opq/')?.pax, null); // the opaque xattr became the marker, not a record
    const lower = await entries(layer('lower'));
    const devNull = lower.get('dev/null');
    assert.deepEqual([devNull?.type, devNull?.devmajor, devNull?.devminor, devNull?.mode], ['character-device', 1, 3, 0o666]);
    assert.equal(lower.get('run/fifo')?.type, 'fifo');
    assert.deepEqual([lower.get('home/app/data')?.uid, lower.get('home/app/data')?.gid], [1000, 1000]);
    assert.deepEqual([lower.get('usr/bin/su-again')?.type, lower.get('usr/bin/su-again')?.linkname], ['link', 'usr/bin/su']);
    assert.deepEqual(Object.keys(lower.get('tagged')?.pax as object).sort(), ['SCHILY.xattr.trusted.berth', 'SCHILY.xattr.user.foo']);

    for (const name of ['lower', 'upper']) {
      const tar = await bytesOf(packLayer(layer(name)));
      mkdirSync(layer(`${name}-again`));
      await unpackLayer(streamOf(tar), layer(`${name}-again`), name);
      assert.ok((await bytesOf(packLayer(layer(`${name}-again`)))).equals(tar), name);
    }
  });

  describe('a malicious tar writes nothing outside the layer', () => {
    let outside: string;
    let sentinel: string;
    beforeEach(() => {
      outside = join(tmpdir(), `outside-${randomBytes(6).toString('hex')}`);
      sentinel = layer('sentinel');
      mkdirSync(sentinel);
    });
    afterEach(() => {
      const leaked = existsSync(outside);
      rmSync(outside, { recursive: true, force: true });
      assert.equal(leaked, false, `${outside} was created`);
      assert.deepEqual(readdirSync(sentinel), [], 'the sentinel directory stays empty');
    });

    const cases: [string, (o: { outside: string; sentinel: string }) => Member[], RegExp][] = [
      ['a "../" name', () => [{ name: '../sentinel/x', body: 'x' }], /tar member "\.\.\/sentinel\/x": name contains "\.\."/],
      ['a symlink to a directory outside, then a file through it', ({ outside: o }) => [{ name: 'evil', type: 'symlink', linkname: o }, { name: 'evil/file', body: 'x' }], /"evil" is a symlink: refusing to write through it/],
      ['a symlink to the sentinel, then a directory through it', ({ sentinel: s }) => [{ name: 'evil', type: 'symlink', linkname: s }, { name: 'evil/d/', type: 'directory' }], /"evil" is a symlink/],
      ['a symlink to "..", then a write through it', () => [{ name: 'up', type: 'symlink', linkname: '..' }, { name: 'up/sentinel/x', body: 'x' }], /"up" is a symlink/],
      ['a symlink, then a whiteout through it (mknod outside)', ({ sentinel: s }) => [{ name: 'evil', type: 'symlink', linkname: s }, { name: 'evil/.wh.x', body: '' }], /"evil" is a symlink/],
      ['a symlink, then an opaque marker through it', ({ sentinel: s }) => [{ name: 'evil', type: 'symlink', linkname: s }, { name: 'evil/.wh..wh..opq', body: '' }], /"evil" is a symlink/],
      ['a hard link to /etc/passwd', () => [{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }], /hard link to "\/etc\/passwd", which is not earlier in the layer/],
      ['a hard link to ../../x', () => [{ name: 'x', type: 'link', linkname: '../../etc/passwd' }], /escapes the layer/],
    ];
    for (const [what, members, message] of cases) {
      it(what, async () => {
        const tar = await tarOf(members({ outside, sentinel }));
        await assert.rejects(unpackLayer(streamOf(tar), layer('upper'), 'evil layer'), (err: Error & { kind?: string }) => {
          assert.equal(err.name, 'ImageError');
          assert.equal(err.kind, 'invalid');
          assert.match(err.message, /^evil layer: /);
          assert.match(err.message, message);
          return true;
        });
      });
    }

    it('an absolute name lands inside the layer (leading "/" stripped, as GNU tar and docker do)', async () => {
      await unpackLayer(streamOf(await tarOf([{ name: `/${outside.slice(1)}/abs`, body: 'inside' }])), layer('upper'), 'abs');
      assert.equal(readFileSync(join(layer('upper'), outside, 'abs'), 'utf8'), 'inside');
    });
  });
});
