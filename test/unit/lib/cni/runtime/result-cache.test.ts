import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeCacheFile, encodeCacheFile, marshalSortedGo, ResultCache, type CachedAttachment } from '../../../../../lib/cni/runtime';

const CONFIG = Buffer.from('{"cniVersion":"1.0.0","name":"net1","plugins":[{"type":"bridge"}]}');
const ATT: CachedAttachment = {
  containerId: 'c1',
  ifName: 'eth0',
  networkName: 'net1',
  netns: '/run/netns/c1',
  cniArgs: [['IgnoreUnknown', '1']],
  capabilityArgs: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], mac: 'c2:11:22:33:44:55' },
  config: CONFIG,
  result: {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'cni0', mac: '0a:58:0a:01:00:01' }, { name: 'eth0', mac: '0a:58:0a:01:00:02', sandbox: '/run/netns/c1' }],
    ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 1 }],
    routes: [{ dst: '0.0.0.0/0' }],
  },
};

// What Go's json.Marshal(&cachedInfo) writes for the same data: struct order, sorted maps, base64.
const GOLDEN =
  '{"kind":"cniCacheV1","containerId":"c1","config":"' +
  CONFIG.toString('base64') +
  '","ifName":"eth0","networkName":"net1","netns":"/run/netns/c1","cniArgs":[["IgnoreUnknown","1"]],' +
  '"capabilityArgs":{"mac":"c2:11:22:33:44:55","portMappings":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"}]},' +
  '"result":{"cniVersion":"1.0.0","interfaces":[{"mac":"0a:58:0a:01:00:01","name":"cni0"},{"mac":"0a:58:0a:01:00:02","name":"eth0","sandbox":"/run/netns/c1"}],' +
  '"ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1","interface":1}],"routes":[{"dst":"0.0.0.0/0"}]}}';

describe('lib/cni/runtime/result-cache', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cache-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("encodes libcni's cachedInfo byte for byte (result in the list version)", () => {
    assert.equal(encodeCacheFile(ATT, '1.0.0'), GOLDEN);
  });

  it('omits empty netns, cniArgs, capabilityArgs and result as Go omitempty does', () => {
    const bare = { containerId: 'c1', ifName: 'eth0', networkName: 'n', netns: '', cniArgs: [], capabilityArgs: {}, config: Buffer.from('{}') };
    assert.equal(encodeCacheFile(bare, '1.0.0'), '{"kind":"cniCacheV1","containerId":"c1","config":"e30=","ifName":"eth0","networkName":"n"}');
  });

  it('escapes <, > and & as Go does', () => {
    assert.equal(marshalSortedGo({ b: '<&>', a: '\u2028' }), '{"a":"\\u2028","b":"\\u003c\\u0026\\u003e"}');
  });

  it('decodes what it encodes, result back in the current shape', () => {
    const back = decodeCacheFile(GOLDEN);
    assert.deepEqual({ ...back, config: back.config.toString() }, { ...ATT, config: CONFIG.toString(), result: { ...ATT.result, cniVersion: '1.1.0' } });
  });

  it('reads a legacy (bare result) file and rejects other kinds', () => {
    const id = { networkName: 'n', containerId: 'c', ifName: 'eth0' };
    const legacy = decodeCacheFile('{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.2/24"}]}', id);
    assert.deepEqual(legacy.result, { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24' }] });
    assert.throws(() => decodeCacheFile('{"kind":"cniCacheV9"}', id), /wrong kind: "cniCacheV9"/);
    assert.throws(() => decodeCacheFile('nope', id), /cannot decode cached result/);
  });

  it('writes atomically with 0700/0600 modes, reads, lists and removes', async () => {
    const cache = new ResultCache(path.join(dir, 'cni'));
    await cache.write(ATT, '1.0.0');
    const file = path.join(dir, 'cni', 'results', 'net1-c1-eth0');
    assert.equal(fs.readFileSync(file, 'utf8'), GOLDEN);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['net1-c1-eth0']);
    assert.equal((await cache.read('net1', 'c1', 'eth0'))?.netns, '/run/netns/c1');
    assert.equal(await cache.read('net1', 'c2', 'eth0'), undefined);
    await cache.write({ ...ATT, containerId: 'c2', networkName: 'net2' }, '1.0.0');
    assert.deepEqual((await cache.list()).map((a) => a.containerId), ['c1', 'c2']);
    assert.deepEqual((await cache.list('net2')).map((a) => a.networkName), ['net2']);
    await cache.remove('net1', 'c1', 'eth0');
    await cache.remove('net1', 'c1', 'eth0');
    assert.equal(fs.existsSync(file), false);
  });

  it('lists past junk: skips undecodable files, temp files and entries without ifName, keeps a bad result without it', async () => {
    const cache = new ResultCache(dir);
    fs.mkdirSync(cache.dir, { recursive: true });
    fs.writeFileSync(path.join(cache.dir, 'junk'), 'not json');
    fs.writeFileSync(path.join(cache.dir, '.net1-c9-eth0.abc.tmp'), GOLDEN);
    fs.writeFileSync(path.join(cache.dir, '.net1-c8-eth0.tmp-abc'), GOLDEN);
    fs.writeFileSync(path.join(cache.dir, 'n-c3-'), '{"kind":"cniCacheV1","containerId":"c3","networkName":"n"}');
    fs.writeFileSync(path.join(cache.dir, 'n-c4-eth0'), '{"kind":"cniCacheV1","containerId":"c4","ifName":"eth0","networkName":"n","result":{"ips":7}}');
    const all = await cache.list();
    assert.deepEqual(all.map((a) => [a.containerId, a.result]), [['c4', undefined]]);
    assert.equal(await new ResultCache(path.join(dir, 'missing')).list().then((l) => l.length), 0);
  });
});
