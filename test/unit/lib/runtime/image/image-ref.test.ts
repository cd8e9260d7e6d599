import assert from 'node:assert/strict';
import { formatImageRef, parseImageRef } from '../../../../../lib/runtime/image/image-ref';

describe('lib/runtime/image/image-ref', () => {
  const valid: [string, string, string][] = [
    ['busybox', 'busybox', 'latest'],
    ['busybox:1.36', 'busybox', '1.36'],
    ['library/busybox:latest', 'library/busybox', 'latest'],
    ['my-app_v2.x', 'my-app_v2.x', 'latest'],
    ['a__b', 'a__b', 'latest'],
    ['a---b', 'a---b', 'latest'],
    ['org/team/app:v1_RC-2', 'org/team/app', 'v1_RC-2'],
    ['localhost:5000/app', 'localhost:5000/app', 'latest'],
    ['localhost:5000/app:dev', 'localhost:5000/app', 'dev'],
    ['registry.example.com/x/y:z', 'registry.example.com/x/y', 'z'],
    ['Registry.Local/app', 'Registry.Local/app', 'latest'],
    ['abcd', 'abcd', 'latest'],
    [`x:${'t'.repeat(128)}`, 'x', 't'.repeat(128)],
  ];
  for (const [ref, name, tag] of valid) {
    it(`parses ${ref.length > 40 ? `${ref.slice(0, 40)}...` : ref}`, () => {
      assert.deepEqual(parseImageRef(ref), { name, tag });
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /^Error parsing reference: "" is not a valid repository\/tag: invalid reference format$/],
    ['Busybox', /"Busybox" is not a valid repository\/tag: invalid reference format: repository name \(Busybox\) must be lowercase/],
    ['busybox:', /"busybox:" is not a valid .*invalid reference format$/],
    ['busybox:-bad', /invalid reference format$/],
    [`busybox:${'t'.repeat(129)}`, /invalid reference format$/],
    ['-busybox', /invalid reference format$/],
    ['a-_b', /invalid reference format$/],
    ['a..b', /invalid reference format$/],
    ['a//b', /invalid reference format$/],
    ['/abs', /invalid reference format$/],
    ['trailing/', /invalid reference format$/],
    ['bad name', /invalid reference format$/],
    ['busybox@sha256:abc', /invalid reference format: digest references are not supported/],
    ['-bad-.domain/app', /invalid reference format$/],
    [`${'a'.repeat(256)}`, /repository name must not be more than 255 characters/],
    ['f'.repeat(64), /^invalid repository name \(f{64}\), cannot specify 64-byte hexadecimal strings$/],
  ];
  for (const [ref, message] of invalid) {
    it(`refuses ${JSON.stringify(ref.length > 40 ? `${ref.slice(0, 40)}...` : ref)}`, () => {
      assert.throws(() => parseImageRef(ref), { name: 'ImageError', kind: 'invalid', message });
    });
  }

  it('formats name:tag', () => {
    assert.equal(formatImageRef(parseImageRef('busybox')), 'busybox:latest');
  });
});
