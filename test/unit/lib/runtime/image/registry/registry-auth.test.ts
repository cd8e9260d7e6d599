// Token handling against a loopback token server: scopes asked, Basic credentials sent or not, the
// token or access_token taken, cached per scope until shortly before it expires (a fake clock).
import assert from 'node:assert/strict';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import { HttpTransport } from '../../../../../../lib/runtime/image/registry/http-transport';
import { RegistryAuth } from '../../../../../../lib/runtime/image/registry/registry-auth';

describe('lib/runtime/image/registry/registry-auth', () => {
  let server: http.Server;
  let host: string;
  const asked: { url: string; authorization: string | undefined }[] = [];
  let answer: () => object = () => ({ token: 't1', expires_in: 60 });
  before(async () => {
    server = http.createServer((req, res) => {
      asked.push({ url: req.url!, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer()));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    asked.length = 0;
  });

  const realms = (): ((h: string) => HttpTransport) => (h) => new HttpTransport(h, { insecureRegistries: [h] });
  const challenge = (): string => `Bearer realm="http://${host}/token",service="reg",scope="repository:a/b:pull"`;

  it('asks the realm for the scope with the stored credentials, and caches the token per scope until near expiry', async () => {
    const clock = { t: 1_000_000 };
    const auth = new RegistryAuth(async () => ({ username: 'u', password: 'p' }), realms(), () => clock.t);
    assert.equal(await auth.authorization('repository:a/b:pull'), undefined); // not challenged yet
    assert.equal(await auth.accept(challenge(), 'repository:a/b:pull'), true);
    assert.equal(await auth.authorization('repository:a/b:pull'), 'Bearer t1');
    assert.equal(await auth.authorization('repository:a/b:pull'), 'Bearer t1');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.url, '/token?service=reg&scope=repository%3Aa%2Fb%3Apull&account=u');
    assert.equal(asked[0]!.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    answer = () => ({ access_token: 't2' });
    assert.equal(await auth.authorization('repository:a/b:pull,push'), 'Bearer t2');
    assert.match(asked[1]!.url, /scope=repository%3Aa%2Fb%3Apull%2Cpush&scope=repository%3Aa%2Fb%3Apull&/);
    clock.t += 55_000; // within 10 s of t1's expiry
    assert.equal(await auth.authorization('repository:a/b:pull'), 'Bearer t2');
    assert.equal(asked.length, 3);
  });

  it('asks anonymously without credentials, and for no scope (the /v2/ check)', async () => {
    answer = () => ({ token: 'anon' });
    const auth = new RegistryAuth(async () => undefined, realms());
    await auth.accept(`Bearer realm="http://${host}/token",service="reg"`, undefined);
    assert.equal(await auth.authorization(undefined), 'Bearer anon');
    assert.deepEqual(asked, [{ url: '/token?service=reg', authorization: undefined }]);
  });

  it('gives up on Basic without credentials, and on a second Basic challenge', async () => {
    const none = new RegistryAuth(async () => undefined, realms());
    assert.equal(await none.accept('Basic realm="r"', undefined), false);
    const some = new RegistryAuth(async () => ({ username: 'u', password: 'p' }), realms());
    assert.equal(await some.accept('Basic realm="r"', undefined), true);
    assert.equal(await some.authorization('x'), `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(await some.accept('Basic realm="r"', undefined), false);
    assert.equal(await some.accept('Negotiate', undefined), false);
  });

  it('refuses a token server answer without a token, and a plain-HTTP realm nobody declared insecure', async () => {
    answer = () => ({ nothing: true });
    const auth = new RegistryAuth(async () => undefined, realms());
    await auth.accept(challenge(), 'repository:a/b:pull');
    await assert.rejects(auth.authorization('repository:a/b:pull'), /the token server's answer has no token/);
    const strict = new RegistryAuth(async () => ({ username: 'u', password: 'p' }), (h) => new HttpTransport(h));
    await strict.accept(challenge(), 'repository:a/b:pull');
    await assert.rejects(strict.authorization('repository:a/b:pull'), /refusing plain HTTP to 127\.0\.0\.1:\d+, which is not listed with --insecure-registry/);
  });
});
