import assert from 'node:assert/strict';
import { parseWwwAuthenticate } from '../../../../../../lib/runtime/image/registry';

describe('lib/runtime/image/registry/www-authenticate', () => {
  it("reads Docker Hub's Bearer challenge", () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
  });
  it('keeps commas inside quoted values (a push scope) and unescapes \\"', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="http://a/t",scope="repository:x:pull,push", error="insufficient_scope", note="say \\"hi\\""');
    assert.deepEqual(c!.params, { realm: 'http://a/t', scope: 'repository:x:pull,push', error: 'insufficient_scope', note: 'say "hi"' });
  });
  it('reads Basic, unquoted values, odd spacing and case', () => {
    assert.deepEqual(parseWwwAuthenticate('BASIC  Realm = berth-test'), [{ scheme: 'basic', params: { realm: 'berth-test' } }]);
  });
  it('reads several challenges in one header and over several headers', () => {
    const one = parseWwwAuthenticate('Basic realm="r", Bearer realm="https://t",service="s"');
    assert.deepEqual(one.map((c) => c.scheme), ['basic', 'bearer']);
    assert.deepEqual(one[1]!.params, { realm: 'https://t', service: 's' });
    assert.deepEqual(parseWwwAuthenticate(['Basic realm="a"', 'Bearer realm="b"']).map((c) => c.params.realm), ['a', 'b']);
  });
  it('survives junk: nothing, a lone scheme, stray "=", an unterminated quote', () => {
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate('Negotiate'), [{ scheme: 'negotiate', params: {} }]);
    assert.deepEqual(parseWwwAuthenticate('= , ='), []);
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="http://x'), [{ scheme: 'bearer', params: { realm: 'http://x' } }]);
  });
});
