import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialStore, DOCKER_HUB_AUTH_KEY } from '../../../../../../lib/runtime/image/registry';

describe('lib/runtime/image/registry/credential-store', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-creds-'));
    file = join(dir, 'sub', 'config.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes Docker's config.json format, 0600, with nothing left beside it", async () => {
    const store = new CredentialStore(file);
    assert.equal(await store.get('localhost:5000'), undefined);
    await store.set('localhost:5000', 'alice', 'pa:ss');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(json, { auths: { 'localhost:5000': { auth: Buffer.from('alice:pa:ss').toString('base64') } } });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['config.json']);
    assert.deepEqual(await store.get('localhost:5000'), { username: 'alice', password: 'pa:ss' });
  });

  it("keeps Docker Hub's credentials under https://index.docker.io/v1/", async () => {
    const store = new CredentialStore(file);
    await store.set('docker.io', 'bob', 'secret');
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8')).auths), [DOCKER_HUB_AUTH_KEY]);
    assert.deepEqual(await store.get('docker.io'), { username: 'bob', password: 'secret' });
    assert.deepEqual(await store.get('index.docker.io'), { username: 'bob', password: 'secret' });
  });

  it("keeps keys it does not know, reads URL keys and username/password entries, and removes", async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({
      credsStore: 'desktop',
      auths: { 'https://reg.example.com/v1/': { auth: Buffer.from('u:p').toString('base64') }, 'other.io': { username: 'x', password: 'y' } },
    }));
    const store = new CredentialStore(join(dir, 'config.json'));
    assert.deepEqual(await store.get('reg.example.com'), { username: 'u', password: 'p' });
    assert.deepEqual(await store.get('other.io'), { username: 'x', password: 'y' });
    await store.set('reg.example.com', 'u2', 'p2');
    const json = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    assert.equal(json.credsStore, 'desktop');
    assert.deepEqual(Object.keys(json.auths).sort(), ['other.io', 'reg.example.com']);
    assert.equal(await store.remove('reg.example.com'), true);
    assert.equal(await store.remove('reg.example.com'), false);
    assert.equal(await store.get('reg.example.com'), undefined);
  });

  it("sweeps the temp files of writers that died before their rename, not a live writer's", async () => {
    const store = new CredentialStore(file);
    await store.set('a.io', 'u', 'p');
    const dead = join(dir, 'sub', '.config.json.999999999.0a0a0a.tmp');
    const live = join(dir, 'sub', `.config.json.${process.pid}.0b0b0b.tmp`);
    writeFileSync(dead, 'half');
    writeFileSync(live, 'busy');
    await store.set('b.io', 'u', 'p');
    assert.deepEqual(readdirSync(join(dir, 'sub')).sort(), ['.config.json.' + process.pid + '.0b0b0b.tmp', 'config.json']);
  });

  it('refuses a broken file and a bad user name clearly', async () => {
    writeFileSync(join(dir, 'config.json'), '{not json');
    await assert.rejects(new CredentialStore(join(dir, 'config.json')).get('x'), /config\.json: not valid JSON/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { x: { auth: Buffer.from('nocolon').toString('base64') } } }));
    await assert.rejects(new CredentialStore(join(dir, 'config.json')).get('x'), /the "auth" of "x" is not base64 of user:password/);
    await assert.rejects(new CredentialStore(file).set('x', 'a:b', 'p'), /invalid username "a:b"/);
  });
});
