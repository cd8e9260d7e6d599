// The client's HTTP behaviour against small loopback servers playing what the real registry in the
// integration tests cannot: a registry that redirects blobs to storage on another host, one that
// ignores or refuses Range, one that never answers, one that sends a token without expiry.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialStore, RegistryClient } from '../../../../../../lib/runtime/image/registry';
import { parseFailure } from '../../../../../../lib/runtime/image/registry/registry-errors';

const DATA = Buffer.from('0123456789'.repeat(1000));
const DESC = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${createHash('sha256').update(DATA).digest('hex')}`, size: DATA.length };

async function serve(handler: http.RequestListener): Promise<{ host: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('lib/runtime/image/registry/registry-client (loopback servers)', () => {
  let dir: string;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-regclient-'));
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = async (host: string, opts: { creds?: boolean; timeoutMs?: number } = {}): Promise<RegistryClient> => {
    const credentials = new CredentialStore(join(dir, 'config.json'));
    if (opts.creds) await credentials.set(host, 'u', 'p');
    return new RegistryClient(host, { insecureRegistries: [host], credentials, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  };

  it('follows a blob redirect to another host without the Authorization, keeping the Range', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const storage = await serve((req, res) => {
      seen.push(req.headers);
      const from = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
      res.writeHead(from > 0 ? 206 : 200, from > 0 ? { 'content-range': `bytes ${from}-${DATA.length - 1}/${DATA.length}` } : {});
      res.end(DATA.subarray(from));
    });
    closers.push(storage.close);
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
        return void res.end();
      }
      res.writeHead(307, { location: `http://${storage.host}/blob?sig=1` });
      res.end();
    });
    closers.push(registry.close);
    const c = await client(registry.host, { creds: true });
    const partial = join(dir, 'b.partial');
    writeFileSync(partial, DATA.subarray(0, 4000));
    await c.downloadBlob('r', DESC, partial);
    assert.ok(readFileSync(partial).equals(DATA));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.authorization, undefined);
    assert.equal(seen[0]!.range, 'bytes=4000-');
    c.close();
  });

  it('sends no Authorization to an upload Location on another host', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = await serve((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(req.method === 'PUT' ? 201 : 202, { location: `/upload/1?state=${seen.length}` });
        res.end();
      });
    });
    closers.push(other.close);
    const registry = await serve((req, res) => {
      if (req.headers.authorization === undefined) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' });
        return void res.end();
      }
      res.writeHead(202, { location: `http://${other.host}/upload/1` });
      res.end();
    });
    closers.push(registry.close);
    const c = await client(registry.host, { creds: true });
    const file = join(dir, 'blob');
    writeFileSync(file, DATA);
    await c.uploadBlob('r', DESC, file, undefined, { chunkSize: 4096 });
    assert.deepEqual(seen.map((h) => [h.authorization, h['content-range']]), [[undefined, '0-4095'], [undefined, '4096-8191'], [undefined, '8192-9999'], [undefined, undefined]]);
    c.close();
  });

  it('starts over when the server ignores the Range (200) or refuses it (416)', async () => {
    const ranges: (string | undefined)[] = [];
    let refuse = false;
    const registry = await serve((req, res) => {
      ranges.push(req.headers.range);
      if (refuse && req.headers.range) {
        res.writeHead(416);
        return void res.end();
      }
      res.writeHead(200, { 'content-length': DATA.length });
      res.end(DATA);
    });
    closers.push(registry.close);
    const c = await client(registry.host);
    const partial = join(dir, 'b.partial');
    writeFileSync(partial, DATA.subarray(0, 3000));
    await c.downloadBlob('r', DESC, partial);
    assert.ok(readFileSync(partial).equals(DATA));
    refuse = true;
    writeFileSync(partial, DATA.subarray(0, 3000));
    await c.downloadBlob('r', DESC, partial);
    assert.ok(readFileSync(partial).equals(DATA));
    assert.deepEqual(ranges, ['bytes=3000-', 'bytes=3000-', undefined]);
    c.close();
  });

  it('refuses a 206 that does not start where the partial file ends, keeping the file', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(206, { 'content-range': `bytes 0-${DATA.length - 1}/${DATA.length}` });
      res.end(DATA);
    });
    closers.push(registry.close);
    const c = await client(registry.host);
    const partial = join(dir, 'b.partial');
    writeFileSync(partial, DATA.subarray(0, 10));
    await assert.rejects(c.downloadBlob('r', DESC, partial), /asked for bytes from 10, the registry answered "bytes 0-9999\/10000"/);
    assert.equal(readFileSync(partial).length, 10);
    c.close();
  });

  it('fails a silent server with a timeout naming the URL', async () => {
    const registry = await serve(() => undefined);
    closers.push(registry.close);
    const c = await client(registry.host, { timeoutMs: 200 });
    await assert.rejects(c.getManifest('r', 'v1'), (err: Error & { kind?: string }) => err.kind === 'unavailable' && /^Get "http:\/\/127\.0\.0\.1:\d+\/v2\/r\/manifests\/v1": timed out: no data for 200ms$/.test(err.message));
    c.close();
  });

  it('refuses a manifest whose bytes do not hash to the digest asked for', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end('{"schemaVersion":2}');
    });
    closers.push(registry.close);
    const c = await client(registry.host);
    await assert.rejects(c.getManifest('r', `sha256:${'0'.repeat(64)}`), /^ImageError: manifest verification failed for digest sha256:0{64}: the registry sent content with digest sha256:/);
    c.close();
  });

  it("renders a registry's errors[] as Docker does, and the status line when there is none", () => {
    const body = Buffer.from(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: {} }, { code: 'DENIED', message: 'no' }] }));
    assert.deepEqual(parseFailure(404, body), { status: 404, codes: ['MANIFEST_UNKNOWN', 'DENIED'], text: 'manifest unknown: manifest unknown; denied: no' });
    assert.equal(parseFailure(401, Buffer.from('{"details":"incorrect username or password"}')).text, 'incorrect username or password');
    assert.equal(parseFailure(502, Buffer.from('<html>')).text, '502 Bad Gateway');
  });
});
