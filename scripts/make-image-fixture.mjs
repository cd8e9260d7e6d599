#!/usr/bin/env node
// Builds the image fixture test/fixtures/images/berth-fixture.{docker,oci}.tar from Debian's
// busybox-static: `berth-fixture:1.0`, two layers that exercise what a layer unpacker must get right
// (symlinks, a hard link, owners, whiteouts, an opaque directory, a PAX xattr), in `docker save`'s
// Docker 25+ format and as a plain OCI image layout. Deterministic: fixed times, owners and entry
// order, so running it twice gives the same bytes (and berth's writeImageArchive writes the same
// layout, so reading the fixture and saving it again reproduces it byte for byte).
//
//   node scripts/make-image-fixture.mjs [out-dir]      (default test/fixtures/images)
//
// Plain Node on purpose (tar-stream, zlib, crypto; nothing from berth): the fixture is evidence
// about berth's reader, so berth's own code must not produce it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const BUSYBOX = process.env.BUSYBOX ?? '/bin/busybox';
const OUT = process.argv[2] ?? 'test/fixtures/images';
const NAME = 'berth-fixture';
const TAG = '1.0';
/** Layer members' mtime: fixed, so the layers (and their digests) never change. */
const LAYER_TIME = new Date('2024-01-01T00:00:00Z');
/** The outer archive's mtime, as berth's writer uses. */
const EPOCH = new Date(0);
const APPLETS = [
  '[', 'basename', 'cat', 'chmod', 'chown', 'cp', 'cut', 'date', 'df', 'dirname', 'du', 'echo', 'env', 'expr',
  'false', 'find', 'grep', 'head', 'hostname', 'id', 'ip', 'kill', 'ln', 'ls', 'md5sum', 'mkdir', 'mount', 'mv',
  'nc', 'nslookup', 'ping', 'printf', 'ps', 'pwd', 'readlink', 'rm', 'rmdir', 'sed', 'seq', 'sh', 'sha256sum',
  'sleep', 'sort', 'stat', 'tail', 'tee', 'test', 'timeout', 'top', 'touch', 'tr', 'true', 'umount', 'uname',
  'uniq', 'wc', 'wget', 'whoami', 'xargs', 'yes',
];

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The tar of `entries` ([header, body?]) as one buffer. */
async function tarOf(entries) {
  const pack = tar.pack();
  const chunks = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk);
  })();
  for (const [header, body] of entries) {
    await new Promise((resolve, reject) => {
      const cb = (err) => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry(header, cb);
      else pack.entry(header, body, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Layer members: root-owned unless told, fixed mtime, no user or group names. */
const dir = (name, extra = {}) => [{ name, type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: LAYER_TIME, ...extra }];
const file = (name, body, extra = {}) => [{ name, type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: LAYER_TIME, ...extra }, Buffer.from(body)];
const symlink = (name, linkname) => [{ name, type: 'symlink', linkname, mode: 0o777, uid: 0, gid: 0, mtime: LAYER_TIME }];
const hardlink = (name, linkname) => [{ name, type: 'link', linkname, mode: 0o644, uid: 0, gid: 0, mtime: LAYER_TIME }];

function layerOne(busybox) {
  return [
    dir('bin'),
    file('bin/busybox', busybox, { mode: 0o755 }),
    ...APPLETS.map((a) => symlink(`bin/${a}`, 'busybox')),
    dir('data'),
    file('data/gone', 'removed by layer 2\n'),
    file('data/keep', 'kept\n'),
    hardlink('data/keep-link', 'data/keep'),
    dir('etc'),
    file('etc/group', 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n'),
    file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    dir('opq'),
    file('opq/old', 'hidden by the opaque directory of layer 2\n'),
    dir('tmp', { mode: 0o1777 }),
  ];
}

function layerTwo() {
  return [
    dir('data'),
    file('data/.wh.gone', ''),
    dir('etc'),
    file('etc/motd', 'hello from the berth fixture\n', { pax: { 'SCHILY.xattr.user.berth': 'fixture' } }),
    dir('home'),
    dir('home/app', { uid: 1000, gid: 1000 }),
    dir('opq'),
    file('opq/.wh..wh..opq', ''),
    file('opq/new', 'added by layer 2\n'),
  ];
}

/** A blob and its descriptor. */
const blob = (mediaType, bytes) => ({ bytes, descriptor: { mediaType, digest: sha256(bytes), size: bytes.length } });

/** The outer archive: the layout writeImageArchive writes (same entry order, headers and JSON). */
async function layoutTar(blobs, files) {
  const hdr = (name, type, mode) => ({ name, type, mode, uid: 0, gid: 0, mtime: EPOCH });
  const sorted = [...blobs].sort((a, b) => (a.descriptor.digest < b.descriptor.digest ? -1 : 1));
  return tarOf([
    [hdr('blobs/', 'directory', 0o755)],
    [hdr('blobs/sha256/', 'directory', 0o755)],
    ...sorted.map((b) => [hdr(`blobs/sha256/${b.descriptor.digest.slice(7)}`, 'file', 0o644), b.bytes]),
    ...files.map(([name, body]) => [hdr(name, 'file', 0o644), Buffer.from(body)]),
  ]);
}

async function main() {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} not found: apt-get install busybox-static (or set BUSYBOX)`);
  const have = new Set(execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n'));
  const missing = APPLETS.filter((a) => !have.has(a));
  if (missing.length) throw new Error(`${BUSYBOX} lacks applets ${missing.join(', ')}`);
  const layer1Tar = await tarOf(layerOne(readFileSync(BUSYBOX)));
  const layer2Tar = await tarOf(layerTwo());
  const layer1 = blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(layer1Tar, { level: 9 }));
  const layer2 = blob('application/vnd.oci.image.layer.v1.tar', layer2Tar);
  const created = LAYER_TIME.toISOString().replace('.000Z', 'Z');
  const config = blob('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify({
    architecture: 'amd64',
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'FIXTURE=1'],
      Cmd: ['sh', '-c', 'echo hello from the fixture'],
      WorkingDir: '/data',
      User: '',
      ExposedPorts: { '8080/tcp': {} },
      Volumes: { '/vol': {} },
    },
    created,
    history: [
      { created, created_by: 'berth fixture layer 1: busybox, its applets, users, /data, /opq, /tmp' },
      { created, created_by: 'berth fixture layer 2: whiteout, opaque /opq, /etc/motd with an xattr, /home/app' },
    ],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [sha256(layer1Tar), sha256(layer2Tar)] },
  })));
  const manifest = blob('application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: config.descriptor,
    layers: [layer1.descriptor, layer2.descriptor],
  })));
  const m = manifest.descriptor;
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ ...m, annotations: { 'io.containerd.image.name': `docker.io/library/${NAME}:${TAG}`, 'org.opencontainers.image.ref.name': TAG } }],
  });
  const layout = JSON.stringify({ imageLayoutVersion: '1.0.0' });
  const blobs = [config, manifest, layer1, layer2];
  const dockerTar = await layoutTar(blobs, [
    ['index.json', index],
    ['manifest.json', JSON.stringify([{ Config: `blobs/sha256/${config.descriptor.digest.slice(7)}`, RepoTags: [`${NAME}:${TAG}`], Layers: [layer1, layer2].map((l) => `blobs/sha256/${l.descriptor.digest.slice(7)}`) }])],
    ['oci-layout', layout],
    ['repositories', JSON.stringify({ [NAME]: { [TAG]: config.descriptor.digest.slice(7) } })],
  ]);
  const ociTar = await layoutTar(blobs, [['index.json', index], ['oci-layout', layout]]);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `${NAME}.docker.tar`), dockerTar);
  writeFileSync(join(OUT, `${NAME}.oci.tar`), ociTar);
  console.log(`${NAME}:${TAG} config ${config.descriptor.digest} manifest ${m.digest}`);
  console.log(`layers ${layer1.descriptor.digest} (${layer1.descriptor.size} B gzip) ${layer2.descriptor.digest} (${layer2.descriptor.size} B)`);
  console.log(`${join(OUT, `${NAME}.docker.tar`)} ${dockerTar.length} B, ${join(OUT, `${NAME}.oci.tar`)} ${ociTar.length} B`);
}

main().catch((err) => {
  console.error(`make-image-fixture: ${err.message}`);
  process.exit(1);
});
