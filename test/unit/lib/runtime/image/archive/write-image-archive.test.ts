import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { manifestFor, readImageArchive, writeImageArchive, type ArchiveImage, type SaveImage } from '../../../../../../lib/runtime/image/archive';
import { ImageError } from '../../../../../../lib/runtime/image/image-error';
import { DirBlobStore } from './dir-blob-store';
import { bodyJson, fixture, hexOf, membersOf } from './archive-builder';
import { FIXTURE_IMAGE, legacyArchive } from './fixture-image';

/** Everything `writeImageArchive` writes, collected. */
async function save(images: SaveImage[], open: (digest: string) => Readable): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeImageArchive(out, images, open);
  return Buffer.concat(chunks);
}

const saveable = (image: ArchiveImage): SaveImage => ({ ...image, manifest: image.manifest! });

describe('lib/runtime/image/archive: writeImageArchive', () => {
  let store: DirBlobStore;
  beforeEach(() => (store = new DirBlobStore()));
  afterEach(() => store.remove());

  const load = (bytes: Buffer): Promise<ArchiveImage[]> => readImageArchive(Readable.from([bytes]), store, 'archive');

  it('saves the loaded fixture byte for byte as the fixture (save -> load round-trips byte-identically)', async () => {
    const images = await load(fixture('berth-fixture.docker.tar'));
    const saved = await save(images.map(saveable), store.open);
    assert.equal(saved.length, fixture('berth-fixture.docker.tar').length);
    assert.ok(saved.equals(fixture('berth-fixture.docker.tar')), 'the saved archive differs from the fixture');
    // The OCI-layout fixture loads to the same image, so it saves to the same docker archive.
    const fromOci = await load(fixture('berth-fixture.oci.tar'));
    assert.ok((await save(fromOci.map(saveable), store.open)).equals(saved));
  });

  it('writes the same bytes twice, and what it writes loads back to the same images', async () => {
    const [fixtureImage] = await load(fixture('berth-fixture.docker.tar'));
    const [legacy] = await load((await legacyArchive()).tar);
    const m = manifestFor(legacy!.config, legacy!.layers);
    await store.put(Readable.from([m.bytes]), { digest: m.descriptor.digest }, 'manifest');
    const images: SaveImage[] = [
      { ...legacy!, manifest: m.descriptor },
      { ...fixtureImage!, manifest: fixtureImage!.manifest!, repoTags: ['berth-fixture:1.0', 'registry.example:5000/fx:2'] },
      { ...fixtureImage!, manifest: fixtureImage!.manifest!, repoTags: [] },
    ];
    const first = await save(images, store.open);
    assert.ok((await save(images, store.open)).equals(first));

    const other = new DirBlobStore();
    try {
      const back = await readImageArchive(Readable.from([first]), other, 'saved');
      // One image per manifest: the untagged copy of the fixture joins its tagged entries.
      assert.deepEqual(back, [
        { ...legacy!, manifest: m.descriptor },
        { ...FIXTURE_IMAGE, repoTags: ['berth-fixture:1.0', 'registry.example:5000/fx:2'] },
        { ...FIXTURE_IMAGE, repoTags: [] },
      ]);
      assert.deepEqual(other.digests(), store.digests());
    } finally {
      other.remove();
    }

    const members = await membersOf(first);
    const names = members.map((x) => x.header.name);
    const blobs = names.filter((n) => n.startsWith('blobs/sha256/') && n.length > 'blobs/sha256/'.length);
    assert.deepEqual(blobs, [...blobs].sort(), 'blobs sorted');
    assert.equal(new Set(blobs).size, blobs.length, 'each blob once');
    assert.deepEqual(names.slice(-4), ['index.json', 'manifest.json', 'oci-layout', 'repositories']);
    assert.ok(members.every((x) => x.header.uid === 0 && x.header.gid === 0 && x.header.mtime!.getTime() === 0));
    assert.deepEqual(bodyJson(members, 'index.json').manifests.map((d: any) => d.annotations ?? null), [
      { 'io.containerd.image.name': 'docker.io/library/legacy:1', 'org.opencontainers.image.ref.name': '1' },
      { 'io.containerd.image.name': 'docker.io/library/legacy:2', 'org.opencontainers.image.ref.name': '2' },
      { 'io.containerd.image.name': 'docker.io/library/berth-fixture:1.0', 'org.opencontainers.image.ref.name': '1.0' },
      { 'io.containerd.image.name': 'registry.example:5000/fx:2', 'org.opencontainers.image.ref.name': '2' },
      null,
    ]);
    assert.deepEqual(bodyJson(members, 'manifest.json').map((x: any) => x.RepoTags), [['legacy:1', 'legacy:2'], ['berth-fixture:1.0', 'registry.example:5000/fx:2'], null]);
    assert.deepEqual(bodyJson(members, 'repositories'), {
      legacy: { '1': hexOf(legacy!.config.digest), '2': hexOf(legacy!.config.digest) },
      'berth-fixture': { '1.0': hexOf(FIXTURE_IMAGE.config.digest) },
      'registry.example:5000/fx': { '2': hexOf(FIXTURE_IMAGE.config.digest) },
    });
  });

  it('refuses to save a blob the store has corrupted', async () => {
    const images = (await load(fixture('berth-fixture.docker.tar'))).map(saveable);
    const layer = FIXTURE_IMAGE.layers[1]!;
    writeFileSync(join(store.dir, hexOf(layer.digest)), Buffer.alloc(layer.size, 0x61));
    await assert.rejects(save(images, store.open), (err: unknown) =>
      err instanceof ImageError && err.kind === 'io' && /^blob sha256:993609f9\w+ in the image store is corrupt: its content hashes to sha256:/.test(err.message));
    writeFileSync(join(store.dir, hexOf(layer.digest)), Buffer.alloc(layer.size + 1, 0x61));
    await assert.rejects(save(images, store.open), /in the image store is corrupt: more than the 7680 bytes its descriptor gives/);
    writeFileSync(join(store.dir, hexOf(layer.digest)), Buffer.alloc(10, 0x61));
    await assert.rejects(save(images, store.open), /in the image store is corrupt: 10 bytes, its descriptor gives 7680/);
  });

  it('fails with the output\'s error when the output fails', async () => {
    const images = (await load(fixture('berth-fixture.docker.tar'))).map(saveable);
    let written = 0;
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        written += chunk.length;
        done(written > 100_000 ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : null);
      },
    });
    await assert.rejects(writeImageArchive(out, images, store.open), /^Error: write EPIPE$/);
  });

  it('fails when the store cannot open a blob', async () => {
    const images = (await load(fixture('berth-fixture.docker.tar'))).map(saveable);
    store.remove();
    await assert.rejects(save(images, store.open), /ENOENT/);
  });
});

describe('lib/runtime/image/archive: manifestFor', () => {
  it('makes an OCI manifest of OCI descriptors, deterministically', () => {
    const m = manifestFor(FIXTURE_IMAGE.config, FIXTURE_IMAGE.layers);
    // The fixture's manifest was written by the fixture script the same way: same bytes, same digest.
    assert.deepEqual(m.descriptor, FIXTURE_IMAGE.manifest);
    assert.deepEqual(JSON.parse(m.bytes.toString()), { schemaVersion: 2, mediaType: FIXTURE_IMAGE.manifest!.mediaType, config: FIXTURE_IMAGE.config, layers: FIXTURE_IMAGE.layers });
  });
});
