// The registry client against a real registry (Debian's docker-registry 2.8, started by
// test/helpers/registry on 127.0.0.1): blobs and manifests pushed and pulled back byte for byte,
// an index resolved to its amd64 entry, downloads cut half-way (by a TCP proxy between client and
// registry) resumed with a Range request, corruption caught by digest, Basic and token auth (a real
// JWT flow through a token server), plain HTTP refused unless the registry is listed insecure, and
// TLS trusted through a certs.d directory. Every registry, proxy and directory is removed after.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageError } from '../../../../../lib/runtime/image/image-error';
import { type Descriptor, type ImageIndex, MEDIA, digestOf } from '../../../../../lib/runtime/image/oci';
import { chooseManifest, CredentialStore, pullBlobs, RegistryClient, type BlobPhase } from '../../../../../lib/runtime/image/registry';
import { registryInstalled, startRegistry, type TestRegistry } from '../../../../helpers/registry';
import { skipUnless } from '../../../../helpers/skip';
import { startTcpProxy, type TcpProxy } from '../../../../helpers/tcp-proxy';

/** A blob on disk with its descriptor. */
interface Blob {
  desc: Descriptor;
  path: string;
  data: Buffer;
}

function blob(dir: string, data: Buffer, mediaType: string = MEDIA.ociLayerGzip): Blob {
  const desc = { mediaType, digest: digestOf(data), size: data.length };
  const path = join(dir, `src-${desc.digest.slice(7, 19)}`);
  writeFileSync(path, data);
  return { desc, path, data };
}

function manifestOf(config: Blob, layers: Blob[]): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: config.desc, layers: layers.map((l) => l.desc) }));
}

/** Pushes config, layers and manifest under `tag`; the manifest's bytes and digest. */
async function pushImage(client: RegistryClient, repo: string, tag: string, config: Blob, layers: Blob[]): Promise<{ bytes: Buffer; digest: string }> {
  for (const b of [config, ...layers]) await client.uploadBlob(repo, b.desc, b.path);
  const bytes = manifestOf(config, layers);
  return { bytes, digest: await client.putManifest(repo, tag, MEDIA.ociManifest, bytes) };
}

async function rejects(p: Promise<unknown>, kind: string, message: RegExp): Promise<ImageError> {
  const err = await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ImageError, `not an ImageError: ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  assert.match(err.message, message);
  return err;
}

describe('lib/runtime/image/registry against docker-registry', function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    skipUnless(this, registryInstalled(), 'docker-registry and htpasswd are not installed (scripts/setup.sh installs them)');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-registry-it-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('plain HTTP, no auth', () => {
    let registry: TestRegistry;
    let client: RegistryClient;
    before(async () => {
      registry = await startRegistry();
      client = new RegistryClient(registry.host, { insecureRegistries: [registry.host] });
    });
    after(async () => {
      client?.close();
      await registry?.destroy();
    });

    it('pushes blobs (one in chunked PATCHes) and a manifest, and pulls them back byte-identical', async () => {
      const config = blob(dir, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })), MEDIA.ociConfig);
      const small = blob(dir, randomBytes(300_000));
      const big = blob(dir, randomBytes(1_500_000));
      assert.equal(await client.hasBlob('app/one', big.desc.digest), false);
      const uploaded: number[] = [];
      await client.uploadBlob('app/one', config.desc, config.path);
      await client.uploadBlob('app/one', small.desc, small.path);
      await client.uploadBlob('app/one', big.desc, big.path, (done) => uploaded.push(done), { chunkSize: 512 * 1024 });
      assert.equal(uploaded.at(-1), big.desc.size);
      assert.equal(await client.hasBlob('app/one', big.desc.digest), true);
      const bytes = manifestOf(config, [small, big]);
      const digest = await client.putManifest('app/one', 'v1', MEDIA.ociManifest, bytes);
      assert.equal(digest, digestOf(bytes));

      for (const ref of ['v1', digest]) {
        const got = await client.getManifest('app/one', ref);
        assert.deepEqual([got.mediaType, got.digest], [MEDIA.ociManifest, digest]);
        assert.ok(got.bytes.equals(bytes));
      }
      const events: [string, BlobPhase][] = [];
      const blobs = join(dir, 'blobs');
      mkdirSync(blobs);
      const paths = await pullBlobs(client, 'app/one', [config.desc, small.desc, big.desc, small.desc], blobs, {
        onProgress: (d, _done, _total, phase) => events.push([d, phase]),
      });
      assert.deepEqual(paths, [config, small, big, small].map((b) => join(blobs, b.desc.digest.slice(7))));
      for (const b of [config, small, big]) {
        assert.ok(readFileSync(join(blobs, b.desc.digest.slice(7))).equals(b.data));
        assert.ok(events.some(([d, p]) => d === b.desc.digest && p === 'complete'));
      }
      assert.equal(existsSync(join(blobs, `${big.desc.digest.slice(7)}.partial`)), false);
      const again: BlobPhase[] = [];
      await pullBlobs(client, 'app/one', [config.desc, small.desc, big.desc], blobs, { onProgress: (_d, _a, _b, phase) => again.push(phase) });
      assert.deepEqual(again, ['exists', 'exists', 'exists']);
    });

    it('resolves an OCI index with linux/amd64 and linux/arm64 entries to the amd64 manifest', async () => {
      const pushed: Record<string, { bytes: Buffer; digest: string }> = {};
      for (const arch of ['amd64', 'arm64']) {
        const config = blob(dir, Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })), MEDIA.ociConfig);
        pushed[arch] = await pushImage(client, 'app/multi', arch, config, [blob(dir, randomBytes(1000))]);
      }
      const index: ImageIndex = {
        schemaVersion: 2,
        mediaType: MEDIA.ociIndex,
        manifests: ['arm64', 'amd64'].map((arch) => ({ mediaType: MEDIA.ociManifest, digest: pushed[arch]!.digest, size: pushed[arch]!.bytes.length, platform: { os: 'linux', architecture: arch } })),
      };
      const indexBytes = Buffer.from(JSON.stringify(index));
      await client.putManifest('app/multi', 'latest', MEDIA.ociIndex, indexBytes);
      const got = await client.getManifest('app/multi', 'latest');
      assert.equal(got.mediaType, MEDIA.ociIndex);
      const chosen = chooseManifest(JSON.parse(got.bytes.toString()) as ImageIndex);
      assert.equal(chosen.digest, pushed.amd64!.digest);
      const manifest = await client.getManifest('app/multi', chosen.digest);
      assert.ok(manifest.bytes.equals(pushed.amd64!.bytes));
      assert.throws(() => chooseManifest(index, { os: 'linux', architecture: 's390x' }), /no matching manifest for linux\/s390x in the manifest list entries \(available: linux\/arm64, linux\/amd64\)/);
    });

    it('reports an unknown tag, repository and blob as Docker does', async () => {
      await pushImage(client, 'app/tags', 'v1', blob(dir, Buffer.from('{}'), MEDIA.ociConfig), []);
      await rejects(client.getManifest('app/tags', 'nope'), 'not-found', new RegExp(`^manifest for ${registry.host}/app/tags:nope not found: manifest unknown`));
      // distribution 2.8 answers MANIFEST_UNKNOWN for a repository it never saw (NAME_UNKNOWN would read 'pull access denied').
      await rejects(client.getManifest('no/such', 'v1'), 'not-found', new RegExp(`^manifest for ${registry.host}/no/such:v1 not found: manifest unknown: manifest unknown$`));
      const missing = { mediaType: MEDIA.ociLayer, digest: digestOf('never pushed'), size: 12 };
      await rejects(client.downloadBlob('app/tags', missing, join(dir, 'missing.partial')), 'not-found', /blob sha256:[0-9a-f]+ not found in .*: blob unknown/);
    });

    it('refuses plain HTTP to a registry not listed as insecure, telling about --insecure-registry', async () => {
      const strict = new RegistryClient(registry.host);
      await rejects(strict.ping(), 'unavailable', new RegExp(`Get "https://${registry.host}/v2/": http: server gave HTTP response to HTTPS client \\(if ${registry.host} serves plain HTTP, list it with --insecure-registry ${registry.host}\\)`));
      strict.close();
    });

    describe('through a proxy that breaks downloads', () => {
      let proxy: TcpProxy;
      let via: RegistryClient;
      let layer: Blob;
      before(async () => {
        proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(registry.host.split(':')[1]) });
        via = new RegistryClient(`127.0.0.1:${proxy.port}`, { insecureRegistries: [`127.0.0.1:${proxy.port}`] });
      });
      after(async () => {
        via?.close();
        await proxy?.close();
      });
      beforeEach(async () => {
        layer = blob(dir, randomBytes(2_000_000));
        await client.uploadBlob('app/resume', layer.desc, layer.path);
        proxy.requests.length = 0;
      });

      const blobGets = (): string[] => proxy.requests.filter((r) => r.startsWith(`GET /v2/app/resume/blobs/${layer.desc.digest}`));
      const rangeOf = (head: string): string | undefined => /\r\nrange: (.*)/i.exec(head)?.[1];

      it('resumes a connection dropped half-way with a Range request and completes', async () => {
        proxy.sabotage({ request: /^GET \/v2\/app\/resume\/blobs\//, cutAfter: 1_000_000 });
        const partial = join(dir, 'layer.partial');
        await via.downloadBlob('app/resume', layer.desc, partial);
        assert.ok(readFileSync(partial).equals(layer.data));
        const gets = blobGets();
        assert.equal(gets.length, 2, gets.join('\n---\n'));
        assert.equal(rangeOf(gets[0]!), undefined);
        // From what had reached the file: up to the 1,000,000 bytes sent before the cut.
        const from = Number(/^bytes=(\d+)-$/.exec(rangeOf(gets[1]!) ?? '')?.[1]);
        assert.ok(from > 0 && from <= 1_000_000, `resumed from ${rangeOf(gets[1]!)}`);
      });

      it('keeps the partial file when it gives up, and the next call asks only for the rest', async () => {
        proxy.sabotage({ request: /^GET \/v2\/app\/resume\/blobs\//, cutAfter: 700_000 });
        const partial = join(dir, 'layer.partial');
        await rejects(via.downloadBlob('app/resume', layer.desc, partial, undefined, { retries: 0 }), 'unavailable', /download interrupted|connection closed after/);
        // What reached the file before the cut: up to the 700,000 bytes sent (the kernel may not have
        // handed the last segments to the parser before the connection's end did).
        const kept = statSync(partial).size;
        assert.ok(kept > 0 && kept <= 700_000, `kept ${kept} bytes`);
        const progress: number[] = [];
        await via.downloadBlob('app/resume', layer.desc, partial, (done) => progress.push(done));
        assert.equal(progress[0], kept);
        assert.equal(rangeOf(blobGets().at(-1)!), `bytes=${kept}-`);
        assert.ok(readFileSync(partial).equals(layer.data));
      });

      it('detects a corrupted partial file by digest and fetches the blob again whole', async () => {
        const partial = join(dir, 'layer.partial');
        const bad = Buffer.from(layer.data.subarray(0, 900_000));
        bad[123_456] ^= 0x01;
        writeFileSync(partial, bad);
        await via.downloadBlob('app/resume', layer.desc, partial);
        assert.ok(readFileSync(partial).equals(layer.data));
        assert.deepEqual(blobGets().map(rangeOf), ['bytes=900000-', undefined]);
      });

      it('rejects a blob corrupted on the way and deletes what it wrote', async () => {
        proxy.sabotage({ request: /^GET \/v2\/app\/resume\/blobs\//, flipAt: 1_500_000 });
        const partial = join(dir, 'layer.partial');
        await rejects(via.downloadBlob('app/resume', layer.desc, partial), 'invalid', new RegExp(`^filesystem layer verification failed for digest ${layer.desc.digest}`));
        assert.equal(existsSync(partial), false);
      });
    });
  });

  describe('Basic auth (htpasswd, bcrypt)', () => {
    let registry: TestRegistry;
    before(async () => {
      registry = await startRegistry({ auth: 'basic' });
    });
    after(async () => registry?.destroy());

    const clientWith = async (password: string | undefined): Promise<RegistryClient> => {
      const credentials = new CredentialStore(join(dir, `config-${password ?? 'none'}.json`));
      if (password !== undefined) await credentials.set(registry.host, 'alice', password);
      return new RegistryClient(registry.host, { insecureRegistries: [registry.host], credentials });
    };

    it("refuses a wrong password and anonymous pulls with 'unauthorized'", async () => {
      const wrong = await clientWith('nope');
      await rejects(wrong.ping(), 'forbidden', /^Get "http:\/\/127\.0\.0\.1:\d+\/v2\/": unauthorized: authentication required$/);
      const anonymous = await clientWith(undefined);
      await rejects(anonymous.ping(), 'forbidden', /unauthorized: authentication required \(no credentials stored for 127\.0\.0\.1:\d+: berth login/);
      await rejects(anonymous.getManifest('app/x', 'v1'), 'forbidden', /^pull access denied for 127\.0\.0\.1:\d+\/app\/x, repository does not exist or may require 'berth login': unauthorized/);
      wrong.close();
      anonymous.close();
    });

    it('pushes and pulls with the right password', async () => {
      const ok = await clientWith('wonderland');
      await ok.ping();
      const layer = blob(dir, randomBytes(50_000));
      const pushed = await pushImage(ok, 'app/x', 'v1', blob(dir, Buffer.from('{"a":1}'), MEDIA.ociConfig), [layer]);
      assert.ok((await ok.getManifest('app/x', 'v1')).bytes.equals(pushed.bytes));
      await ok.downloadBlob('app/x', layer.desc, join(dir, 'l.partial'));
      assert.ok(readFileSync(join(dir, 'l.partial')).equals(layer.data));
      ok.close();
    });
  });

  describe('token auth (a token server signing RS256 JWTs the registry verifies)', () => {
    let registry: TestRegistry;
    before(async () => {
      registry = await startRegistry({ auth: 'token' });
    });
    after(async () => registry?.destroy());

    it('gets push and pull tokens with the stored credentials, and pushes and pulls', async () => {
      const credentials = new CredentialStore(join(dir, 'config.json'));
      await credentials.set(registry.host, 'alice', 'wonderland');
      const client = new RegistryClient(registry.host, { insecureRegistries: [registry.host], credentials });
      await client.ping();
      const layer = blob(dir, randomBytes(80_000));
      const pushed = await pushImage(client, 'team/app', 'v1', blob(dir, Buffer.from('{"b":2}'), MEDIA.ociConfig), [layer]);
      const puller = new RegistryClient(registry.host, { insecureRegistries: [registry.host], credentials });
      assert.ok((await puller.getManifest('team/app', 'v1')).bytes.equals(pushed.bytes));
      await puller.downloadBlob('team/app', layer.desc, join(dir, 'l.partial'));
      assert.ok(readFileSync(join(dir, 'l.partial')).equals(layer.data));
      const granted = registry.tokenRequests.filter((r) => r.status === 200);
      assert.ok(granted.every((r) => r.user === 'alice' && r.service === 'berth-test-registry'));
      assert.ok(granted.some((r) => r.scopes.includes('repository:team/app:pull,push')), JSON.stringify(granted));
      assert.ok(granted.some((r) => r.scopes.includes('repository:team/app:pull')), JSON.stringify(granted));
      // Cached per scope: one token for the whole push (blobs and manifest), one for the pull.
      assert.equal(granted.filter((r) => r.scopes.includes('repository:team/app:pull,push')).length, 1);
      client.close();
      puller.close();
    });

    it('reports a wrong password as the token server words it', async () => {
      const credentials = new CredentialStore(join(dir, 'config.json'));
      await credentials.set(registry.host, 'alice', 'wrong');
      const client = new RegistryClient(registry.host, { insecureRegistries: [registry.host], credentials });
      await rejects(client.getManifest('team/app', 'v1'), 'forbidden', /^Get "http:\/\/127\.0\.0\.1:\d+\/token": unauthorized: incorrect username or password$/);
      client.close();
    });
  });

  describe('TLS with a private CA', () => {
    let registry: TestRegistry;
    before(async () => {
      registry = await startRegistry({ tls: true });
    });
    after(async () => registry?.destroy());

    it('fails verification without the CA, and works with it in certs.d', async () => {
      const untrusted = new RegistryClient(registry.host);
      await rejects(untrusted.ping(), 'unavailable', /tls: failed to verify certificate: .*\(trust its CA by placing it in <certs dir>\/127\.0\.0\.1:\d+\/ca\.crt\)/);
      untrusted.close();
      const client = new RegistryClient(registry.host, { certsDir: registry.certsDir! });
      await client.ping();
      const pushed = await pushImage(client, 'secure/app', 'v1', blob(dir, Buffer.from('{"c":3}'), MEDIA.ociConfig), [blob(dir, randomBytes(10_000))]);
      assert.ok((await client.getManifest('secure/app', 'v1')).bytes.equals(pushed.bytes));
      client.close();
    });
  });
});
