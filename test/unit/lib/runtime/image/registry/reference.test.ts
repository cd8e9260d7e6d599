import assert from 'node:assert/strict';
import { familiarName, familiarString, manifestReference, parseRegistryRef, registryApiHost } from '../../../../../../lib/runtime/image/registry';

const HEX = 'a'.repeat(64);

describe('lib/runtime/image/registry/reference', () => {
  const valid: [string, object][] = [
    ['busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['busybox:1.36', { registry: 'docker.io', repository: 'library/busybox', tag: '1.36' }],
    ['library/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['user/app:v2', { registry: 'docker.io', repository: 'user/app', tag: 'v2' }],
    ['docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    ['index.docker.io/user/app', { registry: 'docker.io', repository: 'user/app', tag: 'latest' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/a/b:t', { registry: 'localhost:5000', repository: 'a/b', tag: 't' }],
    ['registry.example.com/x/y/z', { registry: 'registry.example.com', repository: 'x/y/z', tag: 'latest' }],
    [`host.io/x@sha256:${HEX}`, { registry: 'host.io', repository: 'x', digest: `sha256:${HEX}` }],
    [`busybox:1@sha256:${HEX}`, { registry: 'docker.io', repository: 'library/busybox', tag: '1', digest: `sha256:${HEX}` }],
    ['127.0.0.1:5000/app', { registry: '127.0.0.1:5000', repository: 'app', tag: 'latest' }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app', tag: 'latest' }],
  ];
  for (const [ref, want] of valid) {
    it(`normalises ${ref.length > 50 ? `${ref.slice(0, 50)}...` : ref}`, () => {
      assert.deepEqual(parseRegistryRef(ref), want);
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /^Error parsing reference: "" is not a valid repository\/tag: invalid reference format$/],
    ['Busybox', /invalid reference format: repository name \(Busybox\) must be lowercase/],
    ['localhost:5000/App', /repository name \(App\) must be lowercase/],
    ['busybox:', /invalid reference format$/],
    ['a//b', /invalid reference format$/],
    ['/a', /invalid reference format$/],
    ['a/', /invalid reference format$/],
    ['busybox@sha256:abc', /invalid reference format: invalid digest "sha256:abc": want sha256:<64 hex digits>/],
    [`busybox@sha512:${'b'.repeat(128)}`, /unsupported digest algorithm/],
    ['busybox@', /invalid reference format: invalid digest ""/],
    ['-bad.host/app', /invalid reference format$/],
    [HEX, /invalid repository name \(a{64}\), cannot specify 64-byte hexadecimal strings/],
    [`x/${'a'.repeat(260)}`, /must not be more than 255 characters/],
  ];
  for (const [ref, message] of invalid) {
    it(`refuses ${JSON.stringify(ref.length > 40 ? `${ref.slice(0, 40)}...` : ref)}`, () => {
      assert.throws(() => parseRegistryRef(ref), (err: Error & { kind?: string }) => err.name === 'ImageError' && err.kind === 'invalid' && message.test(err.message));
    });
  }

  it('asks the manifest endpoint for the digest when a reference has both', () => {
    assert.equal(manifestReference(parseRegistryRef(`busybox:1@sha256:${HEX}`)), `sha256:${HEX}`);
    assert.equal(manifestReference(parseRegistryRef('busybox')), 'latest');
  });

  it("prints Docker's familiar names and maps docker.io to its API host", () => {
    assert.equal(familiarName(parseRegistryRef('busybox')), 'busybox');
    assert.equal(familiarName(parseRegistryRef('user/app')), 'user/app');
    assert.equal(familiarString(parseRegistryRef('localhost:5000/a/b:t')), 'localhost:5000/a/b:t');
    assert.equal(familiarString(parseRegistryRef(`x.io/y@sha256:${HEX}`)), `x.io/y@sha256:${HEX}`);
    assert.equal(registryApiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(registryApiHost('localhost:5000'), 'localhost:5000');
  });
});
