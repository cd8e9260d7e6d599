// packLayer of a tree an unprivileged user can make (no devices, no whiteouts, own owners): the
// order and form of the entries, determinism, the round trip through unpackLayer, and that tar(1)
// and tar-stream read what it writes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, lutimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { layerSize, packLayer, unpackLayer } from '../../../../../../lib/runtime/image/layer';
import { lsetxattr } from '../../../../../../lib/sys';
import { bytesOf, streamOf } from '../../../../../helpers/layer-tar';

const T = 1_700_000_000;
const LONG_DIR = 'l'.repeat(120);
const VERY_LONG = `${'v'.repeat(200)}/${'w'.repeat(120)}`;
const LATIN1_NAME = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "café" in Latin-1: not UTF-8

/** A tree with every kind of entry an unprivileged user can make, all times fixed. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'etc/sub'), { recursive: true });
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
  chmodSync(join(root, 'etc/hosts'), 0o640);
  writeFileSync(join(root, 'etc/a-b'), 'dash');
  linkSync(join(root, 'etc/hosts'), join(root, 'etc/sub/hosts-again'));
  symlinkSync('../etc/hosts', join(root, 'etc/link'));
  writeFileSync(join(root, 'tool'), 'x'.repeat(70_000));
  chmodSync(join(root, 'tool'), 0o4755);
  mkdirSync(join(root, LONG_DIR));
  writeFileSync(join(root, LONG_DIR, 'f'), 'long');
  mkdirSync(join(root, VERY_LONG.split('/')[0]!));
  writeFileSync(join(root, VERY_LONG), 'very long');
  writeFileSync(Buffer.from(`${root}/${LATIN1_NAME.toString('latin1')}`, 'latin1'), 'latin1');
  lsetxattr(join(root, 'etc/hosts'), 'user.note', Buffer.from([0, 1, 2, 0xff]));
  // overlayfs's state is not content: left out (trusted.* needs CAP_SYS_ADMIN, so only when the test has it).
  if (process.getuid!() === 0) lsetxattr(join(root, 'etc/hosts'), 'trusted.overlay.origin', Buffer.from('host state'));
  const all = execFileSync('find', [root, '-mindepth', '1', '-print0']).toString('latin1').split('\0').filter(Boolean);
  for (const p of all.reverse()) lutimesSync(Buffer.from(p, 'latin1'), T, T);
  utimesSync(root, T, T);
}

async function entriesOf(tar: Buffer): Promise<{ name: string; type: string; linkname: string | null; uid: number; uname: string; pax: unknown }[]> {
  const extract = tarStream.extract({ filenameEncoding: 'latin1' } as never);
  const out: { name: string; type: string; linkname: string | null; uid: number; uname: string; pax: unknown }[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const { name, type, linkname, uid, uname, pax } = entry.header;
      out.push({ name, type, linkname, uid, uname, pax });
      entry.resume();
    }
  })();
  extract.end(tar);
  await done;
  return out;
}

describe('lib/runtime/image/layer packLayer', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'berth-pack-unit-'));
    mkdirSync(join(base, 'tree'));
    makeTree(join(base, 'tree'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('lists the tree depth first, siblings sorted, without a root entry, hard links as links', async () => {
    const entries = await entriesOf(await bytesOf(packLayer(join(base, 'tree'))));
    assert.deepEqual(entries.map((e) => [e.name, e.type]), [
      ['caf\ufffd', 'file'], // a non-ASCII name goes in a PAX path record, which tar-stream reads as UTF-8
      ['etc/', 'directory'],
      ['etc/a-b', 'file'],
      ['etc/hosts', 'file'],
      ['etc/link', 'symlink'],
      ['etc/sub/', 'directory'],
      ['etc/sub/hosts-again', 'link'],
      [`${LONG_DIR}/`, 'directory'],
      [`${LONG_DIR}/f`, 'file'],
      ['tool', 'file'],
      [`${'v'.repeat(200)}/`, 'directory'],
      [VERY_LONG, 'file'],
    ]);
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.equal(byName.get('etc/sub/hosts-again')?.linkname, 'etc/hosts');
    assert.equal(byName.get('etc/link')?.linkname, '../etc/hosts');
    assert.equal(byName.get('tool')?.uid, process.getuid!());
    assert.equal(byName.get('tool')?.uname, ''); // numeric owners only
    assert.deepEqual(Object.keys(byName.get('etc/hosts')?.pax as object), ['SCHILY.xattr.user.note']);
  });

  it('writes the same bytes for the same tree, and tar(1) reads them', async () => {
    const tar = await bytesOf(packLayer(join(base, 'tree')));
    assert.ok(tar.equals(await bytesOf(packLayer(join(base, 'tree')))));
    assert.equal(tar.length % 512, 0);
    writeFileSync(join(base, 'layer.tar'), tar);
    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', join(base, 'layer.tar')], { env: { ...process.env, LC_ALL: 'C' } }).toString();
    assert.match(listing, /^-rwsr-xr-x \d+\/\d+ +70000 2023-11-14 22:13 tool$/m);
    assert.match(listing, new RegExp(`^-rw-r--r-- .* ${VERY_LONG}$`, 'm'));
    assert.match(listing, /^hrw-r----- .* etc\/sub\/hosts-again link to etc\/hosts$/m);
  });

  it('round-trips through unpackLayer byte for byte, and the sizes agree', async () => {
    const tar = await bytesOf(packLayer(join(base, 'tree')));
    mkdirSync(join(base, 'copy'));
    const { diffId, size } = await unpackLayer(streamOf(tar, 4096), join(base, 'copy'), 'packed');
    utimesSync(join(base, 'copy'), T, T);
    assert.ok((await bytesOf(packLayer(join(base, 'copy')))).equals(tar));
    assert.equal(size, await layerSize(join(base, 'tree')));
    assert.match(diffId, /^sha256:[0-9a-f]{64}$/);
  });

  it('layerSize counts regular files only, a hard-linked one once', async () => {
    const expected = 20 + 4 + 70_000 + 4 + 9 + 6; // hosts, a-b, tool, long/f, very long, café
    assert.equal(await layerSize(join(base, 'tree')), expected);
  });

  it('fails the stream with an ImageError for a directory that is not there', async () => {
    await assert.rejects(bytesOf(packLayer(join(base, 'nope'))), (err: Error & { kind?: string }) => err.name === 'ImageError' && err.kind === 'io' && /packing layer .*nope: .*ENOENT/.test(err.message));
  });
});
