import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ImageStore } from '../../../../../lib/runtime/image/image-store';
import { tryLockDir } from '../../../../../lib/runtime/image/store-lock';
import { flock, LOCK_EX } from '../../../../../lib/sys/flock';
import { skipUnlessHost } from '../../../../helpers/skip';

describe('lib/runtime/image/image-store', () => {
  let base: string;
  let root: string;
  let clock: number;
  let store: ImageStore;
  const T0 = Date.parse('2026-01-02T03:04:05.000Z');
  const noUsers = (): readonly string[] => [];

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'berth-images-'));
    root = join(base, 'root');
    clock = 0;
    store = new ImageStore({ root, now: () => new Date(T0 + 1000 * clock++) });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  /** A source tree with a file, an executable, a symlink and a hardlink. */
  function source(name: string, content = 'hello\n'): string {
    const dir = join(base, name);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc/motd'), content);
    writeFileSync(join(dir, 'bin/app'), '#!/bin/sh\necho app\n');
    chmodSync(join(dir, 'bin/app'), 0o750);
    symlinkSync('app', join(dir, 'bin/app-link'));
    linkSync(join(dir, 'bin/app'), join(dir, 'bin/app-hard'));
    return dir;
  }

  function tarball(dir: string, name: string, ...flags: string[]): string {
    const out = join(base, name);
    execFileSync('tar', ['-c', ...flags, '-f', out, '-C', dir, '.']);
    return out;
  }

  const imagesDir = (): string[] => readdirSync(join(root, 'images')).sort();
  const repositories = (): Record<string, string> => JSON.parse(readFileSync(join(root, 'images/repositories.json'), 'utf8'));

  describe('importTar', () => {
    it('imports a tarball as a one-layer image: id is the sha256 of its config, files land in the layer', async () => {
      const tar = tarball(source('src'), 'rootfs.tar');
      const info = await store.importTar(tar, 'app:1');
      const blob = (digest: string): Buffer => readFileSync(join(root, 'images/blobs/sha256', digest.replace('sha256:', '')));
      const config = JSON.parse(blob(info.id).toString('utf8'));
      assert.equal(createHash('sha256').update(blob(info.id)).digest('hex'), info.id);
      assert.equal(info.layers.length, 1);
      assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: info.layers });
      assert.equal(`sha256:${createHash('sha256').update(blob(info.layers[0]!)).digest('hex')}`, info.layers[0], 'the layer blob is the uncompressed tar');
      assert.deepEqual(info, {
        id: info.id, repoTags: ['app:1'], created: '2026-01-02T03:04:05.000Z',
        size: 'hello\n'.length + '#!/bin/sh\necho app\n'.length,
        config: { Cmd: [], Env: [], WorkingDir: '', Entrypoint: null },
        layers: info.layers, repoDigests: [], architecture: 'amd64', os: 'linux',
      });
      const rootfs = store.rootfs(info.id);
      assert.equal(rootfs, join(root, 'images/layers', info.layers[0]!.replace('sha256:', ''), 'diff'));
      // Mounts name the layer by its short link (overlay2's l/), which resolves to the layer.
      const link = join(root, 'images/l', info.layers[0]!.slice(7, 27));
      assert.deepEqual(store.lowerdirs(info.id), [link]);
      assert.equal(realpathSync(link), realpathSync(rootfs));
      assert.equal(readFileSync(join(rootfs, 'etc/motd'), 'utf8'), 'hello\n');
      assert.equal(statSync(join(rootfs, 'bin/app')).mode & 0o777, 0o750);
      assert.ok(lstatSync(join(rootfs, 'bin/app-link')).isSymbolicLink());
      assert.equal(statSync(join(rootfs, 'bin/app-hard')).ino, statSync(join(rootfs, 'bin/app')).ino);
      const meta = JSON.parse(readFileSync(join(root, 'images', info.id, 'image.json'), 'utf8'));
      assert.deepEqual([meta.id, meta.created, meta.size, meta.config, meta.layers], [info.id, info.created, info.size, info.config, info.layers]);
      assert.deepEqual(repositories(), { 'app:1': info.id });
      assert.deepEqual(imagesDir(), [info.id, 'blobs', 'l', 'layers', 'lock', 'repositories.json'].sort());
    });

    for (const [kind, flag] of [['gzip', '-z'], ['xz', '-J'], ['bzip2', '-j'], ['zstd', '--zstd']] as const) {
      it(`detects ${kind} compression: the same layer as the plain tarball`, async function () {
        skipUnlessHost(this, hasProgram(kind), `no ${kind}: the compressor tar runs is not installed`);
        const src = source('src');
        const plain = await store.importTar(tarball(src, 'rootfs.tar'), 'plain');
        const tar = tarball(src, `rootfs.${kind}`, flag);
        const info = await store.importTar(tar, 'app');
        assert.deepEqual(info.layers, plain.layers);
        assert.equal(readFileSync(join(store.rootfs(info.id), 'etc/motd'), 'utf8'), 'hello\n');
      });
    }

    it("reads '-' from stdin, with the same id as the file at the same time", async () => {
      const tar = tarball(source('src'), 'rootfs.tgz', '-z');
      const now = (): Date => new Date(T0);
      const piped = new ImageStore({ root, now, stdin: Readable.from([readFileSync(tar).subarray(0, 3), readFileSync(tar).subarray(3)]) });
      const info = await piped.importTar('-', 'piped');
      assert.equal((await new ImageStore({ root, now }).importTar(tar, 'file')).id, info.id);
      assert.deepEqual((await store.resolve('piped')).repoTags, ['file:latest', 'piped:latest']);
    });

    it('keeps a hostile archive inside: names with .. are refused, nothing is written outside', async () => {
      const outside = join(base, 'evil');
      writeFileSync(outside, 'original');
      const src = join(base, 'hostile/src');
      mkdirSync(src, { recursive: true });
      writeFileSync(join(src, 'ok'), 'ok');
      const tar = join(base, 'hostile.tar');
      // -P stores the names exactly as given; `../evil` from src names base/evil.
      execFileSync('tar', ['-cPf', tar, '-C', src, 'ok', '../../evil', '../../hostile/../evil']);
      assert.match(execFileSync('tar', ['-tPf', tar], { encoding: 'utf8' }), /^\.\.\/\.\.\/evil$/m);
      await assert.rejects(store.importTar(tar, 'evil'), { name: 'ImageError', kind: 'invalid', message: /^importing .*hostile\.tar: tar exited with status 2: .*Member name contains '\.\.'/ });
      assert.equal(readFileSync(outside, 'utf8'), 'original');
      assert.deepEqual(imagesDir(), ['lock']); // no image, no temp dir left
      assert.deepEqual(await store.list(), []);
    });

    it('strips a leading / from absolute member names and extracts them inside', async () => {
      const victim = join(base, 'victim');
      mkdirSync(victim);
      writeFileSync(join(victim, 'file'), 'payload');
      const tar = join(base, 'abs.tar');
      execFileSync('tar', ['-cPf', tar, join(victim, 'file')]);
      rmSync(victim, { recursive: true });
      const info = await store.importTar(tar, 'abs');
      assert.equal(readFileSync(join(store.rootfs(info.id), victim, 'file'), 'utf8'), 'payload');
      assert.equal(existsSync(victim), false);
    });

    it('never writes through a symlink that points outside', async () => {
      const target = join(base, 'target');
      const src = join(base, 'symsrc');
      mkdirSync(join(src, 'real'), { recursive: true });
      writeFileSync(join(src, 'real/passwd'), 'pwned');
      symlinkSync(target, join(src, 'dirlink'));
      const tar = join(base, 'sym.tar');
      execFileSync('tar', ['-cf', tar, '-C', src, 'dirlink']);
      execFileSync('tar', ['-rf', tar, '-C', src, '--transform', 's,^real,dirlink,', 'real/passwd']);
      await assert.rejects(store.importTar(tar, 'sym'), { kind: 'invalid', message: /dirlink\/passwd: Cannot open: Not a directory/ });
      assert.equal(existsSync(target), false);
    });

    it('refuses what is not a tarball, and a missing file', async () => {
      writeFileSync(join(base, 'junk'), 'not a tar archive at all\n'.repeat(40));
      await assert.rejects(store.importTar(join(base, 'junk'), 'junk'), { kind: 'invalid', message: /tar exited with status 2: .*does not look like a tar archive/ });
      await assert.rejects(store.importTar(join(base, 'absent.tar'), 'x'), { kind: 'invalid', message: `importing ${join(base, 'absent.tar')}: no such file` });
      await assert.rejects(store.importTar(base, 'x'), { kind: 'invalid', message: /is a directory, not a tarball/ });
      await assert.rejects(store.importTar(join(base, 'junk'), 'Bad'), { kind: 'invalid', message: /"Bad" is not a valid repository\/tag/ });
      assert.deepEqual(imagesDir(), ['lock']);
    });

    it('gives a config of its own a distinct id', async () => {
      const tar = tarball(source('src'), 'rootfs.tar');
      const plain = await store.importTar(tar, 'plain');
      const withCmd = await store.importTar(tar, 'cmd', { config: { Cmd: ['/bin/app'], Env: ['A=1'] } });
      assert.notEqual(withCmd.id, plain.id);
      assert.deepEqual(withCmd.config, { Cmd: ['/bin/app'], Env: ['A=1'], WorkingDir: '', Entrypoint: null });
      assert.deepEqual((await store.resolve('plain')).config.Cmd, []);
    });
  });

  describe('importDir', () => {
    it('copies modes, symlinks and hardlinks; the same tree at the same time gives equal ids', async () => {
      const fixed = new ImageStore({ root, now: () => new Date(T0) });
      const dir = source('a');
      const a = await fixed.importDir(dir, 'a');
      const rootfs = store.rootfs(a.id);
      assert.equal(statSync(join(rootfs, 'bin/app')).mode & 0o777, 0o750);
      assert.equal(statSync(join(rootfs, 'bin/app-hard')).ino, statSync(join(rootfs, 'bin/app')).ino);
      assert.ok(lstatSync(join(rootfs, 'bin/app-link')).isSymbolicLink());
      assert.equal(a.size, 'hello\n'.length + '#!/bin/sh\necho app\n'.length);
      const b = await fixed.importDir(dir, 'b');
      assert.equal(b.id, a.id);
      assert.deepEqual(b.repoTags, ['a:latest', 'b:latest']);
      assert.equal(imagesDir().filter((e) => /^[0-9a-f]{64}$/.test(e)).length, 1);
      const c = await fixed.importDir(source('c', 'changed\n'), 'c');
      assert.notEqual(c.id, a.id);
      assert.notDeepEqual(c.layers, a.layers);
      const later = await new ImageStore({ root, now: () => new Date(T0 + 60_000) }).importDir(dir, 'd');
      assert.notEqual(later.id, a.id, 'another creation time is another config');
      assert.deepEqual(later.layers, a.layers, 'but the same layer, stored once');
      assert.equal(readdirSync(join(root, 'images/layers')).length, 2);
    });

    it('refuses a missing directory or a file', async () => {
      await assert.rejects(store.importDir(join(base, 'absent'), 'x'), { kind: 'invalid', message: `importing ${join(base, 'absent')}: no such directory` });
      writeFileSync(join(base, 'file'), '');
      await assert.rejects(store.importDir(join(base, 'file'), 'x'), { kind: 'invalid', message: /not a directory/ });
    });
  });

  describe('tags, resolve, list, remove', () => {
    it('moves a tag to new content, leaving the old image dangling, and lists newest first', async () => {
      const one = await store.importDir(source('one', 'v1'), 'app');
      const two = await store.importDir(source('two', 'v2'), 'app');
      const list = await store.list();
      assert.deepEqual(list.map((i) => [i.id, i.repoTags]), [[two.id, ['app:latest']], [one.id, []]]);
      assert.equal((await store.resolve('app')).id, two.id);
      assert.equal((await store.resolve(one.id.slice(0, 12))).id, one.id);
      assert.equal((await store.resolve(`sha256:${one.id}`)).id, one.id);
      assert.equal((await store.resolve(one.id)).id, one.id);
      await assert.rejects(store.resolve('app:2'), { name: 'ImageError', kind: 'not-found', message: 'No such image: app:2' });
      await assert.rejects(store.resolve('busybox'), { kind: 'not-found', message: 'No such image: busybox:latest' });
    });

    it('removes by tag: untags while other tags remain, deletes with the last one, and its layers no image uses', async () => {
      const img = await store.importDir(source('s'), 'app:1');
      await store.tag('app:1', 'app:2');
      assert.deepEqual(await store.remove('app:1', { usedBy: noUsers }), ['Untagged: app:1']);
      assert.ok(existsSync(store.rootfs(img.id)));
      assert.deepEqual(await store.remove('app:2', { usedBy: noUsers }), ['Untagged: app:2', `Deleted: sha256:${img.id}`, `Deleted: ${img.layers[0]}`]);
      assert.equal(existsSync(join(root, 'images', img.id)), false);
      assert.deepEqual(repositories(), {});
      assert.deepEqual(imagesDir(), ['blobs', 'l', 'layers', 'lock', 'repositories.json']);
      assert.deepEqual(readdirSync(join(root, 'images/layers')), [], 'no image uses the layers: gone');
      assert.deepEqual(readdirSync(join(root, 'images/l')), [], 'and their short links');
      assert.deepEqual(readdirSync(join(root, 'images/blobs/sha256')), [], 'and the blobs with them');
      await assert.rejects(store.remove('app:2', { usedBy: noUsers }), { kind: 'not-found', message: 'No such image: app:2' });
    });

    it('refuses to untag the last tag of an image in use; force untags but keeps the rootfs', async () => {
      const img = await store.importDir(source('s'), 'app');
      const container = 'c'.repeat(64);
      const usedBy = (id: string): readonly string[] => (id === img.id ? [container] : []);
      await assert.rejects(store.remove('app', { usedBy }), {
        kind: 'conflict',
        message: `conflict: unable to remove repository reference "app" (must force) - container cccccccccccc is using its referenced image ${img.id.slice(0, 12)}`,
      });
      assert.deepEqual(repositories(), { 'app:latest': img.id });
      assert.deepEqual(await store.remove('app', { force: true, usedBy }), ['Untagged: app:latest']);
      assert.ok(existsSync(join(store.rootfs(img.id), 'etc/motd')));
      assert.deepEqual((await store.list()).map((i) => i.repoTags), [[]]);
      await assert.rejects(store.remove(img.id, { force: true, usedBy }), { kind: 'conflict', message: /cannot be forced/ });
      assert.deepEqual(await store.remove(img.id.slice(0, 8), { usedBy: noUsers }), [`Deleted: sha256:${img.id}`, `Deleted: ${img.layers[0]}`]);
    });

    it('removes by id: needs force with several tags, then untags them all', async () => {
      const dir = source('s');
      const img = await store.importDir(dir, 'app:1');
      await store.tag('app:1', 'app:2');
      await assert.rejects(store.remove(img.id, { usedBy: noUsers }), { kind: 'conflict', message: /image is referenced in multiple repositories/ });
      assert.deepEqual(await store.remove(img.id, { force: true, usedBy: noUsers }), ['Untagged: app:1', 'Untagged: app:2', `Deleted: sha256:${img.id}`, `Deleted: ${img.layers[0]}`]);
      assert.deepEqual(await store.list(), []);
    });

    it('refuses an invalid id for rootfs()', () => {
      assert.throws(() => store.rootfs('../etc'), { kind: 'invalid', message: 'invalid image id "../etc": want 64 hex digits' });
    });
  });

  describe('crash safety and concurrency', () => {
    it('sweeps temp leftovers of a crash on the next import, but not a live import\'s temp dir', async () => {
      await store.importDir(source('s'), 'first');
      const dead = join(root, 'images/.tmp-deadbeef');
      mkdirSync(join(dead, 'rootfs/sub'), { recursive: true });
      writeFileSync(join(dead, 'rootfs/sub/file'), 'x');
      const deadRm = join(root, 'images', `.tmp-rm-${'0'.repeat(64)}-1234`);
      mkdirSync(join(deadRm, 'rootfs'), { recursive: true });
      writeFileSync(join(root, 'images/.tmp-repositories.json-abc'), '{"half":'); // an earlier version's temp name
      writeFileSync(join(root, 'images/.repositories.json.tmp-abc'), '{"half":');
      const live = join(root, 'images/.tmp-live');
      mkdirSync(live);
      const fd = tryLockDir(live)!;
      try {
        await store.importDir(source('s2', 'other'), 'second');
        assert.deepEqual(imagesDir().filter((e) => e.startsWith('.')), ['.tmp-live']);
      } finally {
        closeSync(fd);
      }
      assert.deepEqual(Object.keys(repositories()), ['first:latest', 'second:latest']);
    });

    it('after a crash inside a commit (a stale temp dir), the next operation removes the layers and blobs it moved in unused', async () => {
      const kept = await store.importDir(source('s'), 'kept');
      const orphan = `sha256:${'e'.repeat(64)}`;
      mkdirSync(join(root, 'images/layers', 'e'.repeat(64), 'diff'), { recursive: true });
      writeFileSync(join(root, 'images/layers', 'e'.repeat(64), 'layer.json'), JSON.stringify({ diffId: orphan, size: 0 }));
      writeFileSync(join(root, 'images/blobs/sha256', 'e'.repeat(64)), 'orphan');
      mkdirSync(join(root, 'images/.tmp-crashed/layers'), { recursive: true });
      await store.importDir(source('s2', 'other'), 'next');
      assert.equal(existsSync(join(root, 'images/layers', 'e'.repeat(64))), false);
      assert.equal(existsSync(join(root, 'images/blobs/sha256', 'e'.repeat(64))), false);
      assert.ok(existsSync(store.rootfs(kept.id)), 'what images use stays');
      assert.deepEqual(imagesDir().filter((e) => e.startsWith('.')), []);
    });

    it('waits for the store lock and gives up after lockTimeoutMs', async () => {
      await store.importDir(source('s'), 'first');
      const fd = openSync(join(root, 'images/lock'), 'r');
      flock(fd, LOCK_EX);
      try {
        const impatient = new ImageStore({ root, lockTimeoutMs: 50 });
        await assert.rejects(impatient.importDir(source('s2'), 'second'), { kind: 'io', message: /^timed out after 50 ms waiting for the image store lock / });
        const patient = new ImageStore({ root }).remove('first', { usedBy: noUsers });
        await new Promise((r) => setTimeout(r, 30));
        closeSync(fd); // releases the lock: the waiting remove goes ahead
        assert.equal((await patient)[0], 'Untagged: first:latest');
      } finally {
        try {
          closeSync(fd);
        } catch {
          // closed above
        }
      }
    });

    it('lands every tag of concurrent imports, and repositories.json always parses', async () => {
      const src = [source('x', 'x'), source('y', 'y')];
      const now = (): Date => new Date(T0);
      const one = new ImageStore({ root, now });
      const other = new ImageStore({ root, now });
      let reads = 0;
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const path = join(root, 'images/repositories.json');
          if (existsSync(path)) {
            JSON.parse(readFileSync(path, 'utf8')); // throws on a half-written file
            reads++;
          }
          await new Promise((r) => setImmediate(r));
        }
      })();
      const tags = Array.from({ length: 10 }, (_, i) => `tag${i}`);
      const infos = await Promise.all(tags.map((t, i) => (i % 2 ? one : other).importDir(src[i % 2]!, t))).finally(() => (polling = false));
      await poller;
      assert.ok(reads > 0);
      const repos = repositories();
      assert.deepEqual(Object.keys(repos).sort(), tags.map((t) => `${t}:latest`).sort());
      tags.forEach((t, i) => assert.equal(repos[`${t}:latest`], infos[i]!.id));
      assert.equal(new Set(Object.values(repos)).size, 2);
      assert.deepEqual(imagesDir().filter((e) => e.startsWith('.')), []);
    });
  });
});

function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}
