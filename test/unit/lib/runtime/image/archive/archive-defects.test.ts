import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readImageArchive } from '../../../../../../lib/runtime/image/archive';
import { ImageError } from '../../../../../../lib/runtime/image/image-error';
import { MEDIA } from '../../../../../../lib/runtime/image/oci';
import { DirBlobStore } from './dir-blob-store';
import { bodyJson, edit, file, fixture, hexOf, json, membersOf, sha256, symlink, tarOf, type Member } from './archive-builder';
import { FIXTURE_IMAGE, legacyArchive } from './fixture-image';

const LAYER2 = `blobs/sha256/${hexOf(FIXTURE_IMAGE.layers[1]!.digest)}`;
const MANIFEST = `blobs/sha256/${hexOf(FIXTURE_IMAGE.manifest!.digest)}`;
const CONFIG = `blobs/sha256/${hexOf(FIXTURE_IMAGE.config.digest)}`;

describe('lib/runtime/image/archive: readImageArchive refuses damaged archives', () => {
  let store: DirBlobStore;
  beforeEach(() => (store = new DirBlobStore()));
  afterEach(() => store.remove());

  /** Reading `bytes` fails with ImageError invalid whose message matches `message`. */
  async function refused(bytes: Buffer | Promise<Buffer>, message: RegExp): Promise<void> {
    await assert.rejects(readImageArchive(Readable.from([await bytes]), store, 'archive'), (err: unknown) => {
      assert.ok(err instanceof ImageError, `not an ImageError: ${String(err)}`);
      assert.equal(err.kind, 'invalid', err.message);
      assert.match(err.message, message);
      return true;
    });
  }

  const docker = (): Promise<Member[]> => membersOf(fixture('berth-fixture.docker.tar'));
  const oci = (): Promise<Member[]> => membersOf(fixture('berth-fixture.oci.tar'));

  /** The OCI fixture with its manifest changed by `change` (stored under its new digest, indexed). */
  async function ociWithManifest(change: (m: any) => void): Promise<Buffer> {
    const members = await oci();
    const manifest = bodyJson(members, MANIFEST);
    change(manifest);
    const bytes = Buffer.from(JSON.stringify(manifest));
    const index = bodyJson(members, 'index.json');
    index.manifests[0] = { ...index.manifests[0], digest: sha256(bytes), size: bytes.length };
    return tarOf([...edit(members, 'index.json', () => json('index.json', index)), file(`blobs/sha256/${hexOf(sha256(bytes))}`, bytes)]);
  }

  describe('truncated', () => {
    const bytes = fixture('berth-fixture.docker.tar');
    const layer1Data = 3 * 512; // blobs/, blobs/sha256/, then the first blob's header
    for (const [where, at] of [
      ['inside the first header', 100],
      ['inside a blob header', 2 * 512 + 300],
      ['inside the gzip layer', layer1Data + 500_000],
      ['inside the last member', bytes.length - 1024 - 100],
    ] as const) {
      it(`${where} (at ${at}): unexpected end of archive`, () => refused(bytes.subarray(0, at), /^archive: unexpected end of archive$/));
    }
    it('between members: what is missing is named', async () => {
      const members = await docker();
      const end = layer1Data + Math.ceil(members[2]!.body!.length / 512) * 512;
      await refused(bytes.subarray(0, end), /neither manifest\.json nor index\.json is in the archive/);
    });
    it('a gzipped archive cut short', () => {
      const gz = gzipSync(bytes);
      return refused(gz.subarray(0, gz.length >> 1), /^archive: unexpected end of archive$/);
    });
    it('a gzipped archive with a damaged stream or checksum', async () => {
      const gz = gzipSync(bytes);
      const damaged = Buffer.from(gz).fill(0xff, 100, 200);
      await refused(damaged, /^archive: not a valid tar archive \(Invalid tar header/);
      const badCrc = Buffer.from(gz);
      badCrc[gz.length - 8]! ^= 1;
      await refused(badCrc, /^archive: corrupt gzip stream \(incorrect data check\)$/);
    });
    it('an empty input', () => refused(Buffer.alloc(0), /^archive: unexpected end of archive \(it is empty\)$/));
  });

  describe('corrupt blobs', () => {
    const flip = (bytes: Buffer, at: number): Buffer => {
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0x01;
      return copy;
    };
    it('a flipped byte in a plain layer: digest mismatch, naming the member', async () => {
      const bytes = fixture('berth-fixture.docker.tar');
      const layer = (await docker()).find((m) => m.header.name === LAYER2)!.body!;
      await refused(flip(bytes, bytes.indexOf(layer) + 3000), new RegExp(`archive: ${LAYER2}: blob ${FIXTURE_IMAGE.layers[1]!.digest} digest mismatch`));
    });
    it('a flipped byte in the gzip layer', async () => {
      await refused(flip(fixture('berth-fixture.oci.tar'), 3 * 512 + 400_000), /blob sha256:5ab14f83\w+ digest mismatch/);
    });
    it('a flipped byte in the config', async () => {
      const bytes = fixture('berth-fixture.docker.tar');
      const config = (await docker()).find((m) => m.header.name === CONFIG)!.body!;
      await refused(flip(bytes, bytes.indexOf(config) + 20), /blob sha256:c92a32ea\w+ digest mismatch/);
    });
    it('a missing layer blob (docker archive): the manifest.json field names it', async () => {
      await refused(tarOf(edit(await docker(), LAYER2, () => undefined)), new RegExp(`manifest\\.json\\[0\\]\\.Layers\\[1\\] "${LAYER2}" is not in the archive`));
    });
    it('a missing layer blob (OCI layout): the manifest field names it', async () => {
      await refused(tarOf(edit(await oci(), LAYER2, () => undefined)), new RegExp(`${MANIFEST}: layers\\[1\\]: blob ${FIXTURE_IMAGE.layers[1]!.digest} is not in the archive`));
    });
    it('a missing config blob (OCI layout)', async () => {
      await refused(tarOf(edit(await oci(), CONFIG, () => undefined)), /: config: blob sha256:c92a32ea\w+ is not in the archive/);
    });
    it('a layer smaller than its manifest says', async () => {
      await refused(ociWithManifest((m) => (m.layers[1].size += 1)), /layers\[1\]: blob sha256:993609f9\w+ has 7680 bytes, the descriptor says 7681/);
    });
  });

  describe('manifest.json', () => {
    const withManifest = async (body: string | Buffer): Promise<Buffer> => tarOf(edit(await docker(), 'manifest.json', () => file('manifest.json', body)));
    for (const [body, message] of [
      ['not json', /^archive: manifest\.json: not valid JSON \(/],
      ['null', /^archive: manifest\.json: want a list of images, got null$/],
      ['{"Config":"x"}', /^archive: manifest\.json: want a list of images, got an object$/],
      ['[]', /^archive: manifest\.json: no images in the list$/],
      ['[7]', /^archive: manifest\.json\[0\]: want an object, got number$/],
      ['[{"Layers":[]}]', /^archive: manifest\.json\[0\]\.Config: want a path in the archive, got undefined$/],
      ['[{"Config":"c.json","Layers":"a/layer.tar"}]', /^archive: manifest\.json\[0\]\.Layers: want a list of paths, got string$/],
      ['[{"Config":"c.json","Layers":[null]}]', /^archive: manifest\.json\[0\]\.Layers\[0\]: want a path in the archive, got null$/],
      ['[{"Config":"c.json","Layers":[],"RepoTags":"x"}]', /^archive: manifest\.json\[0\]\.RepoTags: want a list of references, got string$/],
      ['[{"Config":"c.json","Layers":[],"RepoTags":["Bad:tag"]}]', /^archive: manifest\.json\[0\]\.RepoTags\[0\]: Error parsing reference: "Bad:tag" is not a valid repository\/tag: invalid reference format/],
    ] as const) {
      it(`${body}: ${message.source}`, () => refused(withManifest(body), message));
    }
    it('a huge manifest.json is refused from its header, not read into memory', () =>
      refused(withManifest(Buffer.alloc(16 * 1024 * 1024, 0x20)), /^archive: manifest\.json: too large for image metadata \(16777216 bytes; at most 4194304\)$/));
    it('a Layers path with ../ is outside the archive', async () => {
      const m = bodyJson(await docker(), 'manifest.json');
      m[0].Layers[1] = `blobs/../../${LAYER2}`;
      await refused(withManifest(JSON.stringify(m)), new RegExp(`manifest\\.json\\[0\\]\\.Layers\\[1\\] "blobs/\\.\\./\\.\\./${LAYER2}" is outside the archive`));
      m[0].Layers[1] = '/etc/passwd';
      await refused(withManifest(JSON.stringify(m)), /Layers\[1\] "\/etc\/passwd" is outside the archive/);
    });
    it('a Config that is a layer, not JSON', async () => {
      const m = bodyJson(await docker(), 'manifest.json');
      m[0].Config = m[0].Layers[0];
      await refused(withManifest(JSON.stringify(m)), /manifest\.json\[0\]\.Config "blobs\/sha256\/5ab14f83\w+" is not a JSON document/);
    });
  });

  describe('legacy archives', () => {
    it('a layer.tar symlink that leaves the archive', () =>
      refused(legacyArchive({ manifest: (m) => [{ ...m[0], Layers: [...m[0].Layers.slice(0, 2), 'evil/layer.tar'] }], extra: [symlink('evil/layer.tar', '../../../etc/passwd')] }).then((a) => a.tar),
        /Layers\[2\] "evil\/layer\.tar": evil\/layer\.tar links to "\.\.\/\.\.\/\.\.\/etc\/passwd", outside the archive/));
    it('a symlink loop', () =>
      refused(legacyArchive({ manifest: (m) => [{ ...m[0], Layers: ['x/layer.tar'] }], diffIds: (ids) => ids.slice(0, 1), extra: [symlink('x/layer.tar', '../y/layer.tar'), symlink('y/layer.tar', '../x/layer.tar')] }).then((a) => a.tar),
        /Layers\[0\] "x\/layer\.tar": too many levels of links/));
    it('fewer diff_ids than layers', () =>
      refused(legacyArchive({ diffIds: (ids) => ids.slice(0, 1) }).then((a) => a.tar), /\.json: rootfs\.diff_ids has 1 entries but manifest\.json\[0\]\.Layers has 3 layers$/));
    it('an uncompressed layer that is not its diff_id', () =>
      refused(legacyArchive({ diffIds: (ids) => [ids[0]!, ids[0]!, ids[0]!] }).then((a) => a.tar), /manifest\.json\[0\]\.Layers\[2\]: uncompressed layer sha256:\w+ is not \w+\.json: rootfs\.diff_ids\[2\] sha256:/));
    it('a config without rootfs', async () => {
      const config = Buffer.from('{"os":"linux"}');
      await refused(tarOf([file('c.json', config), json('manifest.json', [{ Config: 'c.json', Layers: [] }])]), /^archive: c\.json: rootfs: want an object, got undefined$/);
    });
    it('a diff_id with an unsupported digest algorithm', () =>
      refused(legacyArchive({ diffIds: (ids) => [ids[0]!, `sha512:${'ab'.repeat(64)}`, ids[2]!] }).then((a) => a.tar), /rootfs\.diff_ids\[1\]: unsupported digest algorithm in "sha512:abab/));
    it('a config that is not in the archive', () =>
      refused(legacyArchive({ manifest: (m) => [{ ...m[0], Config: `${'f'.repeat(64)}.json` }] }).then((a) => a.tar), /manifest\.json\[0\]\.Config "f{64}\.json" is not in the archive/));
  });

  describe('index.json', () => {
    const withIndex = async (change: (index: any) => void): Promise<Buffer> => {
      const members = await oci();
      const index = bodyJson(members, 'index.json');
      change(index);
      return tarOf(edit(members, 'index.json', () => json('index.json', index)));
    };
    it('pointing at a missing manifest', () =>
      refused(withIndex((i) => (i.manifests[0].digest = sha256('gone'))), new RegExp(`^archive: index\\.json: manifests\\[0\\]: blob ${sha256('gone')} is not in the archive$`)));
    it('with a manifest size that is wrong', () =>
      refused(withIndex((i) => (i.manifests[0].size = 556)), /^archive: index\.json: manifests\[0\]: blob sha256:ecd58cf4\w+ has 555 bytes, the descriptor says 556$/));
    it('with an unsupported digest algorithm', () =>
      refused(withIndex((i) => (i.manifests[0].digest = `sha512:${'0'.repeat(128)}`)), /^archive: index\.json: manifests\[0\]\.digest: unsupported digest algorithm in "sha512:0+" \(berth verifies sha256 only\)$/));
    it('with a malformed digest', () =>
      refused(withIndex((i) => (i.manifests[0].digest = 'sha256:../../etc')), /manifests\[0\]\.digest: invalid digest "sha256:\.\.\/\.\.\/etc"/));
    it('with an unknown media type', () =>
      refused(withIndex((i) => (i.manifests[0].mediaType = 'text/plain')), /index\.json: manifests\[0\]: unsupported media type "text\/plain"/));
    it('not an object', () => refused(withIndex((i) => (i.manifests = 'x')), /index\.json: manifests: want a list of descriptors, got string/));
    it('a nested index without this platform', async () => {
      const members = await oci();
      const entry = bodyJson(members, 'index.json').manifests[0];
      const nested = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        manifests: [
          { ...entry, annotations: undefined, platform: { os: 'linux', architecture: 'arm64' } },
          { ...entry, annotations: undefined, platform: { os: 'linux', architecture: 's390x' } },
        ],
      }));
      const index = { schemaVersion: 2, manifests: [{ mediaType: MEDIA.ociIndex, digest: sha256(nested), size: nested.length }] };
      await refused(tarOf([...edit(members, 'index.json', () => json('index.json', index)), file(`blobs/sha256/${hexOf(sha256(nested))}`, nested)]),
        /index\.json: manifests\[0\] \(sha256:\w+\): no linux\/amd64 image in the index \(it has linux\/arm64, linux\/s390x\)$/);
    });
    it('a manifest whose layers do not match the config', () =>
      refused(ociWithManifest((m) => m.layers.pop()), /c92a32ea\w+: rootfs\.diff_ids has 2 entries but blobs\/sha256\/\w+: layers has 1 layers$/));
    it('an OCI layout without oci-layout', async () => refused(tarOf(edit(await oci(), 'oci-layout', () => undefined)), /oci-layout is not in the archive/));
  });

  describe('failures around the archive', () => {
    it('an input that fails mid-way: an io error naming the input', async () => {
      const bytes = fixture('berth-fixture.docker.tar');
      const source = new Readable({ read() {} });
      source.push(bytes.subarray(0, 300_000));
      setImmediate(() => source.destroy(new Error('connection reset')));
      await assert.rejects(readImageArchive(source, store, 'stdin'), (err: unknown) =>
        err instanceof ImageError && err.kind === 'io' && err.message === 'stdin: reading the archive: connection reset');
    });
    it('a refusal while the input is idle does not wait for more input', async () => {
      const sink = { put: async (): Promise<never> => { throw new Error('refused by the sink'); } };
      const members = await membersOf(fixture('berth-fixture.docker.tar'));
      // The first blob whole, then nothing more and no end: a stalled pipe.
      const stalled = new PassThrough();
      stalled.write((await tarOf(members.slice(0, 3))).subarray(0, -1024));
      await assert.rejects(readImageArchive(stalled, sink, 'archive'), /refused by the sink/);
      assert.ok(stalled.destroyed);
    });
    it("the sink's own failure is passed on as it is, and the read stops there", async () => {
      const full = new Error('ENOSPC: no space left on device');
      let puts = 0;
      const sink = { put: async (): Promise<never> => { puts++; throw full; } };
      await assert.rejects(readImageArchive(Readable.from([fixture('berth-fixture.docker.tar')]), sink, 'archive'), (err: unknown) => err === full);
      assert.equal(puts, 1);
    });
  });

  describe('not an image archive', () => {
    it('random bytes', () => refused(Buffer.alloc(4096, 0x41), /^archive: not a valid tar archive \(/));
    it('bzip2', () => refused(Buffer.from('BZh91AY&SY'), /archive is bzip2-compressed: decompress it first/));
    it('a tar of something else', () => refused(tarOf([file('hello.txt', 'hi')]), /neither manifest\.json nor index\.json is in the archive/));
  });
});
