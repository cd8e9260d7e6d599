// `berth push`, `pull`, `login` and `logout` against a real registry (Debian's docker-registry) on
// 127.0.0.1: what is pushed pulls into a fresh store as the same image ID and runs; plain HTTP only
// when asked; Basic and token auth through `berth login`; a pull SIGKILLed half-way through a layer
// leaves no image and the next pull resumes the layer with a Range request.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BERTH_BIN, useBerth, waitFor, type BerthResult } from '../../../helpers/berth';
import { registryInstalled, startRegistry, type TestRegistry } from '../../../helpers/registry';
import { startTcpProxy } from '../../../helpers/tcp-proxy';

const FIXTURE = path.resolve(__dirname, '../../../fixtures/images/berth-fixture.docker.tar');

describe('berth CLI: push, pull, login against a local registry', function () {
  this.timeout(120_000);
  const b = useBerth();
  let registry: TestRegistry | undefined;
  const roots: string[] = [];

  before(function () {
    if (!registryInstalled()) throw new Error('docker-registry and htpasswd are missing: run scripts/setup.sh');
  });
  afterEach(async () => {
    await registry?.destroy();
    registry = undefined;
    for (const r of roots.splice(0)) fs.rmSync(r, { recursive: true, force: true });
  });

  /** Runs berth in the test's own netns (the registry's), with the sandbox's state dirs plus `env`. */
  function cli(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<BerthResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(BERTH_BIN, args, { env: { ...b.env, BERTH_CONFIG: path.join(b.base, 'config'), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  }
  async function ok(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<string> {
    const r = await cli(args, env, input);
    assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trimEnd();
  }
  const freshRoot = (): { BERTH_ROOT: string } => {
    const root = fs.mkdtempSync(path.join(b.base, 'fresh-'));
    roots.push(root);
    return { BERTH_ROOT: root };
  };
  const imageId = async (ref: string, env: Record<string, string> = {}): Promise<string> => JSON.parse(await ok(['image', 'inspect', ref], env))[0].Id;

  it('pushes the fixture and busybox over plain HTTP when asked; a fresh store pulls the same image IDs, which run', async () => {
    registry = await startRegistry();
    const host = registry.host;
    await ok(['load', '-q', '-i', FIXTURE]);
    const ref = `${host}/fixture/app:1.0`;
    await ok(['tag', 'berth-fixture:1.0', ref]);

    const refused = await cli(['push', ref]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /server gave HTTP response to HTTPS client.*--insecure-registry/);

    const pushed = await ok(['push', '--insecure-registry', host, ref]);
    const lines = pushed.split('\n');
    assert.equal(lines[0], `The push refers to repository [${host}/fixture/app]`);
    assert.equal(lines.filter((l) => /^[0-9a-f]{12}: Pushed$/.test(l)).length, 2, pushed);
    const [, digest, size] = /^1\.0: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/.exec(lines.at(-1)!) ?? [];
    assert.ok(digest, pushed);
    // The registry holds our manifest byte for byte: its digest is the stored manifest's.
    const served = await fetch(`http://${host}/v2/fixture/app/manifests/1.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(served.headers.get('docker-content-digest'), digest);
    assert.equal(Number(size), (await served.arrayBuffer()).byteLength);
    assert.match(await ok(['push', '--insecure-registry', host, ref]), /: Layer already exists/);

    const fresh = { ...freshRoot(), BERTH_INSECURE_REGISTRIES: host };
    const pulled = (await ok(['pull', ref], fresh)).split('\n');
    assert.equal(pulled[0], '1.0: Pulling from fixture/app');
    assert.ok(pulled.some((l) => /^[0-9a-f]{12}: Pull complete$/.test(l)), pulled.join('\n'));
    assert.deepEqual(pulled.slice(-3), [`Digest: ${digest}`, `Status: Downloaded newer image for ${ref}`, ref]);
    assert.equal(await imageId(ref, fresh), await imageId(ref));
    assert.equal(await ok(['images', '--digests', '--format', '{{.Digest}}', ref], fresh), digest);
    assert.deepEqual(JSON.parse(await ok(['image', 'inspect', ref], fresh))[0].RepoDigests, [`${host}/fixture/app@${digest}`]);
    assert.equal((await ok(['pull', ref], fresh)).split('\n').at(-2), `Status: Image is up to date for ${ref}`);
    assert.equal(await b.ok(['run', '--rm', '--network', 'none', ref], { env: fresh }), 'hello from the fixture');

    // berth's own busybox image round-trips the same way, and a pull by digest finds it.
    await ok(['tag', 'busybox', `${host}/busybox`]);
    const bb = /digest: (sha256:[0-9a-f]{64})/.exec(await ok(['push', '--insecure-registry', host, `${host}/busybox`]))![1];
    await ok(['pull', `${host}/busybox@${bb}`], fresh);
    assert.equal(await imageId(`${host}/busybox@${bb}`.replace(/@.*/, ''), fresh).catch(() => 'untagged'), 'untagged', 'a pull by digest adds no tag');
    assert.ok((await ok(['images', '-q', '--no-trunc'], fresh)).split('\n').includes(await imageId('busybox')));
  });

  it('pulls linux/amd64 out of an OCI index, and a Docker schema2 manifest, to the image the blobs make', async () => {
    registry = await startRegistry();
    const host = registry.host;
    const env = { BERTH_INSECURE_REGISTRIES: host };
    await ok(['load', '-q', '-i', FIXTURE]);
    await ok(['tag', 'berth-fixture:1.0', `${host}/multi/app:amd64`]);
    await ok(['tag', 'busybox', `${host}/multi/app:arm64`]);
    const digestOf = async (ref: string): Promise<string> => /digest: (sha256:[0-9a-f]{64})/.exec(await ok(['push', ref], env))![1]!;
    const amd64 = await digestOf(`${host}/multi/app:amd64`);
    const arm64 = await digestOf(`${host}/multi/app:arm64`);
    const manifestOf = async (digest: string): Promise<Buffer> =>
      Buffer.from(await (await fetch(`http://${host}/v2/multi/app/manifests/${digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })).arrayBuffer());
    const entry = async (digest: string, architecture: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: (await manifestOf(digest)).length, platform: { architecture, os: 'linux' } });
    // arm64 listed first: the choice is by platform, not by order.
    const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [await entry(arm64, 'arm64'), await entry(amd64, 'amd64')] });
    const put = await fetch(`http://${host}/v2/multi/app/manifests/1.0`, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' }, body: index });
    assert.equal(put.status, 201, await put.text());
    const fresh = { ...env, ...freshRoot() };
    await ok(['pull', `${host}/multi/app:1.0`], fresh);
    assert.equal(await imageId(`${host}/multi/app:1.0`, fresh), await imageId('berth-fixture:1.0'));

    // The same blobs under Docker's schema2 media types.
    const oci = JSON.parse((await manifestOf(amd64)).toString('utf8'));
    const schema2 = JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { ...oci.config, mediaType: 'application/vnd.docker.container.image.v1+json' },
      layers: oci.layers.map((l: { mediaType: string }) => ({ ...l, mediaType: l.mediaType.endsWith('+gzip') ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.docker.image.rootfs.diff.tar' })),
    });
    const put2 = await fetch(`http://${host}/v2/multi/app/manifests/schema2`, { method: 'PUT', headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' }, body: schema2 });
    assert.equal(put2.status, 201, await put2.text());
    const other = { ...env, ...freshRoot() };
    await ok(['pull', `${host}/multi/app:schema2`], other);
    assert.equal(await imageId(`${host}/multi/app:schema2`, other), await imageId('berth-fixture:1.0'));
    assert.equal(await b.ok(['run', '--rm', '--network', 'none', `${host}/multi/app:schema2`], { env: other }), 'hello from the fixture');
  });

  it('Basic auth: push is refused without login, a wrong password logs nobody in, login and logout', async () => {
    registry = await startRegistry({ auth: 'basic' });
    const host = registry.host;
    const env = { BERTH_INSECURE_REGISTRIES: host };
    await ok(['tag', 'busybox', `${host}/private/bb:1`]);
    const anonymous = await cli(['push', `${host}/private/bb:1`], env);
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /unauthorized|authentication required/i);
    assert.match(anonymous.stderr, /berth login/);

    const wrong = await cli(['login', '-u', 'alice', '--password-stdin', host], env, 'nope\n');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /unauthorized|incorrect/i);
    assert.equal(fs.existsSync(path.join(b.base, 'config', 'config.json')), false, 'a refused login stores nothing');

    assert.equal(await ok(['login', '-u', 'alice', '--password-stdin', host], env, 'wonderland\n'), 'Login Succeeded');
    const file = path.join(b.base, 'config', 'config.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')).auths[host], { auth: Buffer.from('alice:wonderland').toString('base64') });
    await ok(['push', `${host}/private/bb:1`], env);
    const fresh = { ...env, ...freshRoot() };
    await ok(['pull', `${host}/private/bb:1`], fresh);
    assert.equal(await imageId(`${host}/private/bb:1`, fresh), await imageId('busybox'));

    assert.equal(await ok(['logout', host]), `Removing login credentials for ${host}`);
    assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).auths?.[host], undefined);
    const after = await cli(['pull', `${host}/private/bb:1`], { ...env, ...freshRoot() });
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /pull access denied|unauthorized/);
  });

  it('token auth: berth login, then push and pull with tokens scoped to the repository', async () => {
    registry = await startRegistry({ auth: 'token' });
    const host = registry.host;
    const env = { BERTH_INSECURE_REGISTRIES: host };
    assert.equal(await ok(['login', '-u', 'alice', '-p', 'wonderland', host], env), 'Login Succeeded');
    await ok(['tag', 'busybox', `${host}/team/bb:2`]);
    await ok(['push', `${host}/team/bb:2`], env);
    const fresh = { ...env, ...freshRoot() };
    await ok(['pull', `${host}/team/bb:2`], fresh);
    assert.equal(await imageId(`${host}/team/bb:2`, fresh), await imageId('busybox'));
    const scopes = registry.tokenRequests.filter((t) => t.status === 200).flatMap((t) => t.scopes);
    assert.ok(scopes.includes('repository:team/bb:pull,push'), scopes.join(' '));
    assert.ok(scopes.includes('repository:team/bb:pull'), scopes.join(' '));
    assert.ok(registry.tokenRequests.every((t) => t.user === 'alice'));
  });

  it('a pull SIGKILLed mid-layer leaves no image; the next pull resumes the layer with a Range request', async () => {
    registry = await startRegistry();
    // A layer big enough to stall inside: 8 MB of incompressible bytes.
    const src = fs.mkdtempSync(path.join(b.base, 'big-'));
    fs.writeFileSync(path.join(src, 'blob'), Buffer.from(Array.from({ length: 8 << 20 }, (_, i) => (i * 2654435761) >>> 24)));
    await ok(['image', 'import', '--dir', src, `${registry.host}/big/img:1`]);
    await ok(['push', '--insecure-registry', registry.host, `${registry.host}/big/img:1`]);
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(registry.host.split(':')[1]) });
    try {
      const via = `127.0.0.1:${proxy.port}`;
      const fresh = { ...freshRoot(), BERTH_INSECURE_REGISTRIES: via };
      // berth's own images store their layer uncompressed: the layer blob's digest is its diff ID.
      const layer = JSON.parse(await ok(['image', 'inspect', `${registry.host}/big/img:1`]))[0].RootFS.Layers[0] as string;
      proxy.sabotage({ request: new RegExp(`^GET /v2/big/img/blobs/${layer}`), stallAfter: 3_000_000 });
      const child = spawn(BERTH_BIN, ['pull', `${via}/big/img:1`], { env: { ...b.env, ...fresh }, stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      await Promise.race([proxy.stalled(), new Promise((_, reject) => setTimeout(() => reject(new Error('the layer download never stalled')), 30_000).unref())]);
      const images = path.join(fresh.BERTH_ROOT!, 'images');
      const partialPath = path.join(images, 'downloads', `${layer.slice(7)}.partial`);
      // What reached berth's socket must reach the file before the kill, or there is nothing to resume.
      assert.ok(await waitFor(() => (fs.statSync(partialPath, { throwIfNoEntry: false })?.size ?? 0) >= 1_000_000, 20_000), 'the download never got going');
      child.kill('SIGKILL');
      await exited;
      assert.equal(fs.existsSync(path.join(images, 'repositories.json')), false, 'no image was committed');
      const partials = fs.readdirSync(path.join(images, 'downloads')).filter((f) => f.endsWith('.partial'));
      assert.equal(partials.length, 1);
      assert.ok(fs.statSync(path.join(images, 'downloads', partials[0]!)).size > 0);

      proxy.requests.length = 0;
      await ok(['pull', `${via}/big/img:1`], fresh);
      const layerGets = proxy.requests.filter((r) => /^GET \/v2\/big\/img\/blobs\//.test(r) && /range: bytes=\d+-/i.test(r));
      assert.equal(layerGets.length, 1, proxy.requests.join('\n---\n'));
      assert.equal(await imageId(`${via}/big/img:1`, fresh), await imageId(`${registry.host}/big/img:1`));
      assert.deepEqual(fs.readdirSync(path.join(images, 'downloads')).filter((f) => f !== 'lock'), [], 'the finished download moved into the store');
      assert.deepEqual(fs.readdirSync(images).filter((e) => e.startsWith('.')), [], 'the killed pull\'s staging dir was swept');

      // A partial file whose pull never comes back goes with `image prune`.
      fs.writeFileSync(path.join(images, 'downloads', `${'a'.repeat(64)}.partial`), Buffer.alloc(5000));
      assert.match(await ok(['image', 'prune', '-f'], fresh), /Total reclaimed space: 5kB/);
      assert.deepEqual(fs.readdirSync(path.join(images, 'downloads')), ['lock']);
    } finally {
      await proxy.close();
    }
  });
});
