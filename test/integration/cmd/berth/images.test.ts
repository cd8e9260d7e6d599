// Real images through the berth CLI: the committed `docker save` fixture (two layers: a whiteout, an
// opaque directory, a hard link, an xattr) loads, runs with its config, and saves back byte for byte;
// layers are shared and removed with the last image using them; a corrupt, truncated or hostile
// archive is refused and leaves the store as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar-stream';
import { useBerth } from '../../../helpers/berth';
import { lgetxattr } from '../../../../lib/sys';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/images');
const DOCKER_FIXTURE = path.join(FIXTURES, 'berth-fixture.docker.tar');
const OCI_FIXTURE = path.join(FIXTURES, 'berth-fixture.oci.tar');
const IMAGE = 'berth-fixture:1.0';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** A tar of `entries` built with tar-stream (headers exactly as given: nothing normalised). */
async function tarOf(entries: readonly { header: Partial<tar.Header>; body?: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) pack.entry({ mode: 0o644, mtime: new Date(0), ...e.header } as tar.Header, e.body ?? Buffer.alloc(0));
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A Docker archive (manifest.json with blobs/ paths) of one image whose layers are `layers`, tagged `tag`. */
async function archiveOf(tag: string, layers: readonly Buffer[]): Promise<Buffer> {
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${sha256(l)}`) },
  }));
  const blob = (b: Buffer) => ({ header: { name: `blobs/sha256/${sha256(b)}`, size: b.length }, body: b });
  const manifest = [{ Config: `blobs/sha256/${sha256(config)}`, RepoTags: [tag], Layers: layers.map((l) => `blobs/sha256/${sha256(l)}`) }];
  return tarOf([blob(config), ...layers.map(blob), { header: { name: 'manifest.json' }, body: Buffer.from(JSON.stringify(manifest)) }]);
}

describe('berth CLI: load, save, layered images', function () {
  this.timeout(120_000);
  const b = useBerth();
  const images = () => path.join(b.root, 'images');
  const layerDirs = () => fs.readdirSync(path.join(images(), 'layers')).sort();
  const imageList = async () => (await b.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n').sort();
  /** What must hold after a refused load: the store exactly as before, no scratch left. */
  const assertUntouched = async (layersBefore: string[]) => {
    assert.deepEqual(await imageList(), ['busybox:latest']);
    assert.deepEqual(layerDirs(), layersBefore);
    assert.deepEqual(fs.readdirSync(images()).filter((e) => e.startsWith('.')), [], 'no temp dir left');
  };

  afterEach(async () => {
    for (const ref of (await b.ok(['images', '--format', '{{.Repository}}:{{.Tag}}'])).split('\n')) {
      if (ref !== 'busybox:latest' && ref !== '') await b.ok(['rmi', '-f', ref]);
    }
  });

  it('loads the docker-save fixture and runs it with its config and layered root', async () => {
    assert.equal(await b.ok(['load', '-i', DOCKER_FIXTURE]), `Loaded image: ${IMAGE}`);
    const [inspect] = JSON.parse(await b.ok(['image', 'inspect', IMAGE]));
    const configBytes = execFileSync('tar', ['-xOf', DOCKER_FIXTURE, `blobs/sha256/${inspect.Id.slice(7)}`]);
    assert.equal(sha256(configBytes), inspect.Id.slice(7), 'the ID is the config digest');
    const config = JSON.parse(configBytes.toString('utf8'));
    assert.deepEqual(inspect.RootFS, { Type: 'layers', Layers: config.rootfs.diff_ids });
    assert.equal(inspect.RootFS.Layers.length, 2);
    assert.deepEqual(inspect.Config.ExposedPorts, { '8080/tcp': {} });
    assert.deepEqual(inspect.Config.Volumes, { '/vol': {} });
    // Each layer unpacked once, under its diff ID, beside busybox's.
    for (const l of inspect.RootFS.Layers as string[]) assert.ok(layerDirs().includes(l.slice(7)));

    assert.equal(await b.ok(['run', '--rm', '--network', 'none', IMAGE]), 'hello from the fixture');
    const facts = await b.ok(['run', '--rm', '--network', 'none', IMAGE, 'sh', '-c',
      'pwd; echo $FIXTURE; ls /data; echo --; ls /opq; echo --; stat -c "%h %i" /data/keep /data/keep-link; cat /etc/motd; stat -c "%u:%g" /home/app']);
    const [pwd, fixture, ...rest] = facts.split('\n');
    assert.deepEqual([pwd, fixture], ['/data', '1'], 'WorkingDir and Env from the config');
    const [dataLs, opqLs, tail] = rest.join('\n').split('\n--\n');
    assert.deepEqual(dataLs!.split('\n'), ['keep', 'keep-link'], 'data/gone is deleted by the upper layer\'s whiteout');
    assert.deepEqual(opqLs!.split('\n'), ['new'], 'the opaque directory hides the lower layer\'s opq/old');
    const [keep, link, motd, home] = tail!.split('\n');
    assert.equal(keep!.split(' ')[0], '2');
    assert.equal(keep, link, 'the hard link is the same inode');
    assert.equal(motd, 'hello from the berth fixture');
    assert.equal(home, '1000:1000');
    // On disk: the whiteout is overlayfs' 0/0 character device, the xattr is kept.
    const upper = path.join(images(), 'layers', inspect.RootFS.Layers[1].slice(7), 'diff');
    const gone = fs.lstatSync(path.join(upper, 'data/gone'));
    assert.ok(gone.isCharacterDevice() && gone.rdev === 0);
    assert.equal(lgetxattr(path.join(upper, 'opq'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.equal(lgetxattr(path.join(upper, 'etc/motd'), 'user.berth')?.toString(), 'fixture');

    assert.equal(await b.ok(['run', '--rm', '--network', 'none', '-u', 'app', IMAGE, 'id']), 'uid=1000(app) gid=1000(app) groups=1000(app)');
    // VOLUME /vol: an anonymous volume, gone with --rm.
    const id = await b.ok(['run', '-d', '--network', 'none', IMAGE, 'sleep', '1000']);
    const c = await b.inspect(id);
    const vol = (c.Mounts as { Type: string; Destination: string; Name: string }[]).find((m) => m.Destination === '/vol');
    assert.equal(vol?.Type, 'volume');
    await b.ok(['rm', '-f', '-v', id]);
    assert.equal((await b.ok(['volume', 'ls', '-q'])).includes(vol!.Name), false);
  });

  it('save writes the fixture back byte for byte; a fresh store loads it to the same ID and saves it identically', async () => {
    await b.ok(['load', '-q', '-i', DOCKER_FIXTURE]);
    const out = path.join(b.base, 'saved.tar');
    await b.ok(['save', '-o', out, IMAGE]);
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(DOCKER_FIXTURE)), 'save → load round-trips byte-identically');
    const id = JSON.parse(await b.ok(['image', 'inspect', IMAGE]))[0].Id;

    const fresh = { BERTH_ROOT: path.join(b.base, 'root2') };
    try {
      assert.equal(await b.ok(['load', '-i', out], { env: fresh }), `Loaded image: ${IMAGE}`);
      assert.equal(JSON.parse(await b.ok(['image', 'inspect', IMAGE], { env: fresh }))[0].Id, id);
      const again = path.join(b.base, 'again.tar');
      await b.ok(['save', '-o', again, IMAGE], { env: fresh });
      assert.ok(fs.readFileSync(again).equals(fs.readFileSync(out)));
      // stdin and stdout work as files do.
      const piped = execFileSync('nsenter', [`--net=${b.hostPath}`, path.resolve(__dirname, '../../../../dist/bin/berth'), 'save', IMAGE], { env: { ...b.env, ...fresh }, maxBuffer: 1 << 26 });
      assert.ok(piped.equals(fs.readFileSync(out)));
    } finally {
      fs.rmSync(fresh.BERTH_ROOT, { recursive: true, force: true });
    }
    // The OCI layout form of the same image loads to the same ID.
    await b.ok(['rmi', IMAGE]);
    assert.equal(await b.ok(['load', '-i', OCI_FIXTURE]), `Loaded image: ${IMAGE}`);
    assert.equal(JSON.parse(await b.ok(['image', 'inspect', IMAGE]))[0].Id, id);
    assert.equal(await b.ok(['run', '--rm', '--network', 'none', IMAGE]), 'hello from the fixture');
  });

  it('shares a layer between images and removes each layer with the last image using it', async () => {
    const before = layerDirs();
    await b.ok(['load', '-q', '-i', DOCKER_FIXTURE]);
    const [base, top] = JSON.parse(await b.ok(['image', 'inspect', IMAGE]))[0].RootFS.Layers.map((l: string) => l.slice(7)) as [string, string];
    // A second image on the fixture's bottom layer (its uncompressed bytes: the diff ID holds).
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', DOCKER_FIXTURE, 'manifest.json'], { encoding: 'utf8' }))[0];
    const gz = execFileSync('tar', ['-xOf', DOCKER_FIXTURE, manifest.Layers[0]], { maxBuffer: 1 << 26 });
    const plain = execFileSync('gzip', ['-dc'], { input: gz, maxBuffer: 1 << 26 });
    assert.equal(sha256(plain), base);
    const second = path.join(b.base, 'second.tar');
    fs.writeFileSync(second, await archiveOf('second:1', [plain]));
    await b.ok(['load', '-i', second]);
    assert.deepEqual(layerDirs(), [...before, base, top].sort(), 'the shared layer is stored once');
    assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'second:1', 'ls', '/opq']), 'old');

    const removed = await b.ok(['rmi', IMAGE]);
    assert.match(removed, new RegExp(`Deleted: sha256:${top}`));
    assert.doesNotMatch(removed, new RegExp(`Deleted: sha256:${base}`));
    assert.deepEqual(layerDirs(), [...before, base].sort());
    await b.ok(['rmi', 'second:1']);
    assert.deepEqual(layerDirs(), before);
    assert.deepEqual(fs.readdirSync(path.join(images(), 'blobs/sha256')).length, 3, "only busybox's config, manifest and layer blobs are left");
  });

  it('runs an image of 60 layers (more than long lowerdir paths fit in a mount), and refuses 200 clearly', async () => {
    const layers = async (n: number): Promise<Buffer[]> => Promise.all(Array.from({ length: n }, (_, i) =>
      tarOf([{ header: { name: `layers/${i}`, size: String(i).length }, body: Buffer.from(String(i)) }])));
    // busybox's layer at the bottom, so the image has a shell: 1 + 59 layers of one file each.
    const bottom = fs.readFileSync(path.join(images(), 'blobs/sha256', JSON.parse(await b.ok(['image', 'inspect', 'busybox']))[0].RootFS.Layers[0].slice(7)));
    fs.writeFileSync(path.join(b.base, 'deep.tar'), await archiveOf('deep:2', [bottom, ...(await layers(60)).slice(1)]));
    await b.ok(['load', '-i', path.join(b.base, 'deep.tar')]);
    assert.equal(JSON.parse(await b.ok(['image', 'inspect', 'deep:2']))[0].RootFS.Layers.length, 60);
    assert.equal(await b.ok(['run', '--rm', '--network', 'none', 'deep:2', 'sh', '-c', 'ls /layers | wc -l; cat /layers/59']), '59\n59');
    fs.writeFileSync(path.join(b.base, 'deep.tar'), await archiveOf('deep:3', [bottom, ...(await layers(200)).slice(1)]));
    await b.ok(['load', '-i', path.join(b.base, 'deep.tar')]);
    const tooDeep = await b.berth(['run', '--rm', '--network', 'none', 'deep:3', 'true']);
    assert.notEqual(tooDeep.code, 0);
    assert.match(tooDeep.stderr, /200 layers make mount data longer than one page/);
    assert.doesNotMatch(tooDeep.stderr, /\n\s+at /);
  });

  it('refuses a corrupt or truncated archive and leaves nothing half-imported', async () => {
    const before = layerDirs();
    const good = fs.readFileSync(DOCKER_FIXTURE);
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', DOCKER_FIXTURE, 'manifest.json'], { encoding: 'utf8' }))[0];
    // Flip one byte inside the first layer blob (found by its tar header's name).
    const at = good.indexOf(Buffer.from(manifest.Layers[0])) + 512 + 1000;
    const corrupt = Buffer.from(good);
    corrupt[at] = corrupt[at]! ^ 0xff;
    fs.writeFileSync(path.join(b.base, 'corrupt.tar'), corrupt);
    const bad = await b.berth(['load', '-i', path.join(b.base, 'corrupt.tar')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /digest mismatch|not a valid gzip|invalid|corrupt/i);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    await assertUntouched(before);

    for (const cut of [700, Math.floor(good.length / 2), good.length - 2000]) {
      fs.writeFileSync(path.join(b.base, 'short.tar'), good.subarray(0, cut));
      const r = await b.berth(['load', '-i', path.join(b.base, 'short.tar')]);
      assert.notEqual(r.code, 0, `cut at ${cut}`);
      assert.match(r.stderr, /unexpected end|truncated|not in the archive|missing|no image/i, `cut at ${cut}: ${r.stderr}`);
      await assertUntouched(before);
    }
    const missing = await b.berth(['load', '-i', path.join(b.base, 'absent.tar')]);
    assert.match(missing.stderr, /no such file/);
  });

  it('refuses a hostile layer (.., a write through a symlink, a hard link out) and writes nothing outside', async () => {
    const before = layerDirs();
    const outside = path.join(b.base, 'outside');
    fs.mkdirSync(outside);
    const deep = `${'../'.repeat(40)}${outside.slice(1)}`;
    const cases: [string, { header: Partial<tar.Header>; body?: Buffer }[]][] = [
      ['dot-dot', [{ header: { name: `${deep}/pwned`, size: 3 }, body: Buffer.from('bad') }]],
      ['symlink', [
        { header: { name: 'evil', type: 'symlink', linkname: outside } },
        { header: { name: 'evil/pwned', size: 3 }, body: Buffer.from('bad') },
      ]],
      ['symlink-dir-dot-dot', [
        { header: { name: 'up', type: 'symlink', linkname: '../../../../../../../../..' } },
        { header: { name: `up/${outside.slice(1)}/pwned`, size: 3 }, body: Buffer.from('bad') },
      ]],
      ['hardlink', [{ header: { name: 'passwd', type: 'link', linkname: '/etc/passwd' } }]],
      ['hardlink-dot-dot', [{ header: { name: 'x', type: 'link', linkname: `${deep}/target` } }]],
    ];
    fs.writeFileSync(path.join(outside, 'target'), 'keep');
    for (const [what, entries] of cases) {
      const archive = path.join(b.base, `${what}.tar`);
      fs.writeFileSync(archive, await archiveOf(`hostile-${what}:1`, [await tarOf(entries)]));
      const r = await b.berth(['load', '-i', archive]);
      assert.notEqual(r.code, 0, `${what} was loaded`);
      assert.match(r.stderr, /refus|outside|\.\.|symlink|link/i, `${what}: ${r.stderr}`);
      assert.deepEqual(fs.readdirSync(outside), ['target'], `${what} wrote outside`);
      assert.equal(fs.readFileSync(path.join(outside, 'target'), 'utf8'), 'keep');
      await assertUntouched(before);
    }
  });
});
