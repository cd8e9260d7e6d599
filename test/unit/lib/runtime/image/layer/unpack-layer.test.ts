// unpackLayer without privileges: members owned by the caller, no devices (the root-only parts are in
// test/integration/lib/runtime/image/layer.test.ts). Every case also checks that nothing appeared
// outside the layer directory.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { unpackLayer } from '../../../../../../lib/runtime/image/layer';
import { encodeHeader } from '../../../../../../lib/runtime/image/layer/tar-header';
import { digestOf } from '../../../../../../lib/runtime/image/oci';
import { streamOf, tarOf, type Member } from '../../../../../helpers/layer-tar';

const uid = process.getuid!();
const gid = process.getgid!();
const T = 1_700_000_000;
const mine = { uid, gid };

describe('lib/runtime/image/layer unpackLayer', () => {
  let base: string;
  let dest: string;
  let outside: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'berth-layer-unit-'));
    dest = join(base, 'layer');
    outside = join(base, 'outside');
    mkdirSync(dest);
    mkdirSync(outside);
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(async () => {
    // Let any stray rejection surface before checking that there was none.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    rmSync(base, { recursive: true, force: true });
    assert.deepEqual(unhandled, []);
  });

  const unpack = (data: Buffer, chunk?: number) => unpackLayer(streamOf(data, chunk), dest, 'layer L');

  async function refused(data: Buffer, message: RegExp, kind = 'invalid'): Promise<void> {
    await assert.rejects(unpack(data), (err: Error & { kind?: string }) => {
      assert.equal(err.name, 'ImageError');
      assert.equal(err.kind, kind);
      assert.match(err.message, /^layer L: /);
      assert.match(err.message, message);
      return true;
    });
    assert.deepEqual(readdirSync(outside), [], 'nothing written outside the layer');
  }

  it('keeps modes, mtimes (directories after their contents), symlinks and hard links', async () => {
    const tar = await tarOf([
      { name: 'etc/', type: 'directory', mode: 0o750, ...mine, mtime: new Date(T * 1000) },
      { name: 'etc/conf', mode: 0o640, ...mine, body: 'hello', mtime: new Date((T + 1) * 1000) },
      { name: 'etc/link', type: 'symlink', linkname: '/nowhere/at/all', ...mine },
      { name: 'etc/hard', type: 'link', linkname: 'etc/conf', ...mine },
      { name: './bin/tool', mode: 0o4755, ...mine, body: 'x'.repeat(3000) },
    ]);
    const { diffId, size } = await unpack(tar, 700);
    assert.equal(diffId, digestOf(tar));
    assert.equal(size, 5 + 3000); // etc/hard is etc/conf's inode: counted once
    const etc = lstatSync(join(dest, 'etc'));
    assert.deepEqual([etc.mode & 0o7777, etc.mtimeMs / 1000], [0o750, T]);
    const conf = lstatSync(join(dest, 'etc/conf'));
    assert.deepEqual([conf.mode & 0o7777, conf.mtimeMs / 1000, conf.nlink, conf.uid], [0o640, T + 1, 2, uid]);
    assert.equal(lstatSync(join(dest, 'etc/hard')).ino, conf.ino);
    assert.equal(readlinkSync(join(dest, 'etc/link')), '/nowhere/at/all');
    assert.equal(lstatSync(join(dest, 'bin/tool')).mode & 0o7777, 0o4755);
    assert.equal(lstatSync(join(dest, 'bin')).mode & 0o7777, 0o755); // made for bin/tool, as docker does
    assert.equal(readFileSync(join(dest, 'bin/tool'), 'utf8'), 'x'.repeat(3000));
  });

  it('gives the same diff ID for the gzip blob as for the plain tar: the digest of the uncompressed bytes', async () => {
    const tar = await tarOf([{ name: 'a', body: 'a'.repeat(10_000), ...mine }]);
    const plain = await unpack(tar);
    rmSync(dest, { recursive: true });
    mkdirSync(dest);
    const gzipped = await unpack(gzipSync(tar), 333);
    assert.deepEqual(gzipped, plain);
    assert.equal(plain.diffId, digestOf(tar));
  });

  it('reads and digests the bytes after the end-of-archive blocks, as docker does', async () => {
    const tar = Buffer.concat([await tarOf([{ name: 'a', body: 'a', ...mine }]), Buffer.alloc(9216), Buffer.from('trailing junk')]);
    assert.equal((await unpack(tar)).diffId, digestOf(tar));
  });

  it('lets a later member replace an earlier one, but keeps a directory a directory comes over', async () => {
    const tar = await tarOf([
      { name: 'x', body: '1', ...mine },
      { name: 'x', body: '22', ...mine },
      { name: 'f', body: 'file', ...mine },
      { name: 'f', type: 'directory', ...mine },
      { name: 'd', type: 'directory', mode: 0o755, ...mine },
      { name: 'd/kept', body: 'k', ...mine },
      { name: 'd', type: 'directory', mode: 0o700, ...mine },
      { name: 's', type: 'symlink', linkname: outside, ...mine },
      { name: 's', type: 'directory', ...mine }, // replaces the symlink; does not follow it
      { name: 's/in', body: 'in', ...mine },
    ]);
    const { size } = await unpack(tar);
    assert.equal(readFileSync(join(dest, 'x'), 'utf8'), '22');
    assert.ok(lstatSync(join(dest, 'f')).isDirectory());
    assert.equal(readFileSync(join(dest, 'd/kept'), 'utf8'), 'k');
    assert.equal(lstatSync(join(dest, 'd')).mode & 0o7777, 0o700);
    assert.ok(lstatSync(join(dest, 's')).isDirectory());
    assert.equal(size, 2 + 1 + 2);
    assert.deepEqual(readdirSync(outside), []);
  });

  it('applies a "./" directory entry to the layer root; an empty layer is a layer', async () => {
    await unpack(await tarOf([{ name: './', type: 'directory', mode: 0o711, ...mine }]));
    assert.equal(lstatSync(dest).mode & 0o7777, 0o711);
    rmSync(dest, { recursive: true });
    mkdirSync(dest);
    assert.deepEqual(await unpack(Buffer.alloc(0)), { diffId: digestOf(''), size: 0 });
  });

  it('reads PAX long names, GNU long names and V7 directories', async () => {
    const raw = (name: string, typeflag: string, data = Buffer.alloc(0)) => {
      const { header } = encodeHeader({ name, mode: 0o755, uid, gid, size: data.length, mtime: T, typeflag, linkname: '', devmajor: 0, devminor: 0 });
      return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
    };
    const gnuName = `${'g'.repeat(150)}/${'h'.repeat(150)}`;
    const paxName = `${'p'.repeat(200)}/${'q'.repeat(120)}`;
    const tar = Buffer.concat([
      raw('olddir/', '\0'),
      raw('././@LongLink', 'L', Buffer.from(`${gnuName}\0`)),
      raw('truncated', '0'),
      (await tarOf([{ name: paxName, body: 'pax', ...mine }])),
    ]);
    await unpack(tar);
    assert.ok(lstatSync(join(dest, 'olddir')).isDirectory());
    assert.ok(lstatSync(join(dest, gnuName)).isFile());
    assert.equal(readFileSync(join(dest, paxName), 'utf8'), 'pax');
    assert.deepEqual(readdirSync(dest).sort(), ['g'.repeat(150), 'olddir', 'p'.repeat(200)]);
  });

  describe('refuses a malicious layer, naming the member, and writes nothing outside', () => {
    const cases: [string, () => Member[], RegExp][] = [
      ['a ".." name', () => [{ name: '../x', body: 'x' }], /tar member "\.\.\/x": name contains "\.\."/],
      ['a ".." deeper in a name', () => [{ name: 'a/b/../../../x', body: 'x' }], /name contains "\.\."/],
      ['a write through a symlink to a directory outside', () => [{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/file', body: 'x' }], /tar member "evil\/file": "evil" is a symlink: refusing to write through it/],
      ['a write through a symlink to ".."', () => [{ name: 'up', type: 'symlink', linkname: '..' }, { name: 'up/outside/x', body: 'x' }], /"up" is a symlink/],
      ['a directory through a symlink', () => [{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/d/', type: 'directory' }], /"evil" is a symlink/],
      ['a whiteout through a symlink', () => [{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/.wh.x', body: '' }], /"evil" is a symlink/],
      ['an opaque marker through a symlink', () => [{ name: 'evil', type: 'symlink', linkname: outside }, { name: 'evil/.wh..wh..opq', body: '' }], /"evil" is a symlink/],
      ['a hard link to an absolute path not in the layer', () => [{ name: 'h', type: 'link', linkname: '/etc/passwd' }], /tar member "h": hard link to "\/etc\/passwd", which is not earlier in the layer/],
      ['a hard link out of the layer', () => [{ name: 'h', type: 'link', linkname: '../../x' }], /hard link target "\.\.\/\.\.\/x" escapes the layer/],
      ['a hard link through a directory since replaced by a symlink', () => [
        { name: 'd/f', body: 'f' }, { name: 'd', type: 'symlink', linkname: outside }, { name: 'h', type: 'link', linkname: 'd/f' },
      ], /hard link to "d\/f", which is not earlier in the layer/],
      ['a hard link to itself', () => [{ name: 'h', body: '' }, { name: 'h', type: 'link', linkname: 'h' }], /which it would replace/],
      ['a file replacing the layer root', () => [{ name: './', body: 'x' }], /tar member "\.\/": a file cannot replace the layer root/],
      ['a member under a file', () => [{ name: 'f', body: 'x' }, { name: 'f/g', body: 'y' }], /"f" is not a directory/],
    ];
    for (const [what, members, message] of cases) {
      it(what, async () => refused(await tarOf(members().map((m) => ({ ...mine, ...m }))), message));
    }

    it('a GNU sparse file (unsupported type, by name)', async () => {
      const { header } = encodeHeader({ name: 'sparse', mode: 0o644, uid, gid, size: 0, mtime: T, typeflag: 'S', linkname: '', devmajor: 0, devminor: 0 });
      await refused(Buffer.concat([header, Buffer.alloc(1024)]), /tar member "sparse": unsupported tar entry type "S" \(GNU sparse file\)/);
    });
  });

  describe('refuses broken input with a clear error, never a hang or an unhandled rejection', () => {
    let tar: Buffer;
    before(async () => {
      tar = await tarOf([{ name: 'big', body: Buffer.alloc(200_000, 7), ...mine }, { name: 'small', body: 'x', ...mine }]);
    });

    it('a truncated gzip stream', async () => refused(gzipSync(tar).subarray(0, 300), /unexpected end of archive/));
    it('a corrupt gzip stream', async () => {
      const gz = Buffer.from(gzipSync(tar));
      gz.fill(0xaa, 20, 60);
      await refused(gz, /not a valid gzip stream/);
    });
    it('a tar truncated in the middle of a member', async () => refused(tar.subarray(0, 512 + 100_000), /unexpected end of archive/));
    it('a tar truncated in the middle of a header', async () => refused(tar.subarray(0, 100), /unexpected end of archive/));
    it('something that is not a tar', async () => refused(Buffer.from('hello world, not a tar\n'.repeat(100)), /not a tar archive/));
    it('a zstd blob, by name', async () => refused(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]), /zstd-compressed layers are not supported/));
    it('data after a single end-of-archive block', async () => refused(Buffer.concat([tar.subarray(0, tar.length - 1024), Buffer.alloc(512), tar.subarray(0, 512)]), /invalid tar header after an end-of-archive block/));
    it('a source that fails (io, not invalid)', async () => {
      const failing = Readable.from((async function* () {
        yield tar.subarray(0, 4096);
        throw new Error('connection reset');
      })());
      await assert.rejects(unpackLayer(failing, dest, 'layer L'), (err: Error & { kind?: string }) => err.name === 'ImageError' && err.kind === 'io' && /^layer L: cannot read: connection reset$/.test(err.message));
    });
  });
});
