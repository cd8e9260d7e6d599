import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { manifestFor, readImageArchive, type ArchiveImage } from '../../../../../../lib/runtime/image/archive';
import { MEDIA } from '../../../../../../lib/runtime/image/oci';
import { DirBlobStore } from './dir-blob-store';
import { file, fixture, hexOf, json, membersOf, sha256, symlink, tarOf, type Member } from './archive-builder';
import { FIXTURE_IMAGE, layerTar, legacyArchive } from './fixture-image';

describe('lib/runtime/image/archive: readImageArchive', () => {
  let store: DirBlobStore;
  beforeEach(() => (store = new DirBlobStore()));
  afterEach(() => store.remove());

  const read = (bytes: Buffer): Promise<ArchiveImage[]> => readImageArchive(Readable.from([bytes]), store, 'archive');

  it('reads the fixture (Docker 25+ docker save): tags, config, manifest and layers in order, every blob stored', async () => {
    assert.deepEqual(await read(fixture('berth-fixture.docker.tar')), [FIXTURE_IMAGE]);
    const all = [FIXTURE_IMAGE.config, FIXTURE_IMAGE.manifest!, ...FIXTURE_IMAGE.layers].map((d) => d.digest).sort();
    assert.deepEqual(store.digests(), all);
  });

  it('reads the fixture as a plain OCI image layout, its name from io.containerd.image.name made familiar', async () => {
    assert.deepEqual(await read(fixture('berth-fixture.oci.tar')), [FIXTURE_IMAGE]);
  });

  it('reads a gzip-compressed archive (sniffed, not named)', async () => {
    assert.deepEqual(await read(gzipSync(fixture('berth-fixture.docker.tar'))), [FIXTURE_IMAGE]);
    assert.deepEqual(await read(gzipSync(fixture('berth-fixture.oci.tar'))), [FIXTURE_IMAGE]);
  });

  it('reads the fixture fed in small chunks', async () => {
    const bytes = fixture('berth-fixture.docker.tar');
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 4093) chunks.push(bytes.subarray(i, i + 4093));
    assert.deepEqual(await readImageArchive(Readable.from(chunks), store, 'archive'), [FIXTURE_IMAGE]);
  });

  it('reads a legacy archive: <id>/layer.tar layers, <hex>.json config, a duplicate layer as a symlink', async () => {
    const { tar, config, layers } = await legacyArchive();
    const [image, ...rest] = await read(tar);
    assert.equal(rest.length, 0);
    assert.deepEqual(image, {
      repoTags: ['legacy:1', 'legacy:2'],
      config: { mediaType: MEDIA.dockerConfig, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: MEDIA.dockerLayer, digest: sha256(l), size: l.length })),
    });
    // The v1 sidecars (<id>/json, VERSION) are not blobs of the image.
    assert.deepEqual(store.digests(), [sha256(config), sha256(layers[0]!), sha256(layers[2]!)].sort());
    // A legacy image gets a canonical manifest: schema2, as its media types are Docker's.
    const m = manifestFor(image!.config, image!.layers);
    assert.equal(m.descriptor.mediaType, MEDIA.dockerManifest);
    assert.deepEqual(JSON.parse(m.bytes.toString()), { schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: image!.config, layers: image!.layers });
    assert.deepEqual(manifestFor(image!.config, image!.layers).bytes, m.bytes);
  });

  it('streams a layer larger than the in-memory limit into the sink; damage to it is caught as it streams', async () => {
    const big = await tarOf([file('big', randomBytes(6 * 1024 * 1024))]);
    const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256(big)] } }));
    const archive = (layer: Buffer, name = `blobs/sha256/${hexOf(sha256(big))}`): Promise<Buffer> =>
      tarOf([file(name, layer), file('c.json', config), json('manifest.json', [{ Config: 'c.json', RepoTags: ['big:1'], Layers: [name] }])]);
    const [image] = await read(await archive(big));
    assert.deepEqual(image!.layers, [{ mediaType: MEDIA.dockerLayer, digest: sha256(big), size: big.length }]);
    assert.ok(store.has(sha256(big)));
    const legacy = await read(await archive(big, 'l/layer.tar'));
    assert.deepEqual(legacy[0]!.layers, image!.layers);

    const flipped = Buffer.from(big);
    flipped[5_000_000]! ^= 1;
    await assert.rejects(read(await archive(flipped)), /^ImageError: archive: blobs\/sha256\/\w+: blob sha256:\w+ digest mismatch/);
    const whole = await archive(big);
    await assert.rejects(read(whole.subarray(0, 4_000_000)), /^ImageError: archive: unexpected end of archive$/);
  });

  it("reads skopeo's docker-archive layout: <diff-id>.tar layers at the top, <id>/layer.tar symlinks to them", async () => {
    const a = await layerTar('a', 'a');
    const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256(a)] } }));
    const id = '8'.repeat(64);
    const images = await read(await tarOf([
      file(`${hexOf(sha256(a))}.tar`, a),
      file(`${hexOf(sha256(config))}.json`, config),
      symlink(`${id}/layer.tar`, `../${hexOf(sha256(a))}.tar`),
      file(`${id}/VERSION`, '1.0'),
      json('manifest.json', [{ Config: `${hexOf(sha256(config))}.json`, RepoTags: ['docker.io/sk/fixture:2'], Layers: [`${hexOf(sha256(a))}.tar`] }]),
    ]));
    assert.deepEqual(images, [{ repoTags: ['sk/fixture:2'], config: { mediaType: MEDIA.dockerConfig, digest: sha256(config), size: config.length }, layers: [{ mediaType: MEDIA.dockerLayer, digest: sha256(a), size: a.length }] }]);
  });

  it('reads members in any order: manifest.json before the layers it names', async () => {
    const members = await membersOf((await legacyArchive()).tar);
    const reordered = [...members.filter((m) => m.header.name === 'manifest.json'), ...members.filter((m) => m.header.name !== 'manifest.json').reverse()];
    const images = await read(await tarOf(reordered));
    assert.equal(images[0]!.layers.length, 3);
  });

  it('tells a gzipped legacy layer.tar by its content', async () => {
    const a = gzipSync(await layerTar('a.txt', 'a'));
    const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256('not checked: compressed')] } }));
    const images = await read(await tarOf([
      file('x/layer.tar', a),
      file('c.json', config),
      json('manifest.json', [{ Config: 'c.json', RepoTags: null, Layers: ['x/layer.tar'] }]),
    ]));
    assert.deepEqual(images, [{ repoTags: [], config: { mediaType: MEDIA.dockerConfig, digest: sha256(config), size: config.length }, layers: [{ mediaType: MEDIA.dockerLayerGzip, digest: sha256(a), size: a.length }] }]);
  });

  it('reads an OCI layout with a nested index, choosing linux/amd64 and skipping attestations', async () => {
    const layer = await layerTar('f', 'x');
    const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    const d = (mediaType: string, b: Buffer, extra = {}) => ({ mediaType, digest: sha256(b), size: b.length, ...extra });
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: d(MEDIA.ociConfig, config), layers: [d(MEDIA.ociLayer, layer)] }));
    const other = sha256('arm64 manifest, not in the archive');
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [
        { mediaType: MEDIA.ociManifest, digest: other, size: 10, platform: { os: 'linux', architecture: 'arm64' } },
        d(MEDIA.ociManifest, manifest, { platform: { os: 'linux', architecture: 'amd64' } }),
        { mediaType: MEDIA.ociManifest, digest: sha256('attestation'), size: 5, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    }));
    const blob = (b: Buffer): Member => file(`blobs/sha256/${hexOf(sha256(b))}`, b);
    const images = await read(await tarOf([
      json('oci-layout', { imageLayoutVersion: '1.0.0' }),
      json('index.json', { schemaVersion: 2, manifests: [d(MEDIA.ociIndex, index, { annotations: { 'org.opencontainers.image.ref.name': 'registry.example:5000/team/app:v2' } })] }),
      blob(index),
      blob(manifest),
      blob(config),
      blob(layer),
    ]));
    assert.deepEqual(images, [{ repoTags: ['registry.example:5000/team/app:v2'], config: d(MEDIA.ociConfig, config), manifest: d(MEDIA.ociManifest, manifest), layers: [d(MEDIA.ociLayer, layer)] }]);
  });

  it('gives an OCI layout entry with only a bare ref.name tag no name; several tags of one manifest one image', async () => {
    const members = await membersOf(fixture('berth-fixture.oci.tar'));
    const index = JSON.parse(members.find((m) => m.header.name === 'index.json')!.body!.toString());
    const entry = index.manifests[0];
    index.manifests = [
      { ...entry, annotations: { 'org.opencontainers.image.ref.name': '1.0' } },
      { ...entry, annotations: { 'io.containerd.image.name': 'docker.io/team/app:b' } },
      { ...entry, annotations: { 'io.containerd.image.name': 'localhost:5000/app:c' } },
    ];
    const edited = members.map((m) => (m.header.name === 'index.json' ? json('index.json', index) : m));
    const images = await read(await tarOf(edited));
    assert.deepEqual(images.map((i) => i.repoTags), [['team/app:b', 'localhost:5000/app:c']]);
  });
});
