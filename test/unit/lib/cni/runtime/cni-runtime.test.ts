import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CniError } from '../../../../../lib/cni/errors';
import { CniRuntime, CniRuntimeError, parseConfList, type NetworkConfigList } from '../../../../../lib/cni/runtime';
import { makeFakePlugins, type FakePlugins } from './fake-plugins';

const RESULT = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'br0', mac: '02:00:00:00:00:01' }, { name: 'eth0', mac: '02:00:00:00:00:02', sandbox: '/run/netns/c1' }],
  ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 1 }],
};
const RT = { containerId: 'c1', netns: '/run/netns/c1', ifName: 'eth0', args: [['IgnoreUnknown', '1']] as [string, string][], capabilityArgs: { mac: '02:aa:00:00:00:09' } };

function chain(version = '1.1.0', extra: Record<string, unknown> = {}, second: Record<string, unknown> = {}): NetworkConfigList {
  return parseConfList(
    JSON.stringify({
      cniVersion: version,
      name: 'net1',
      plugins: [
        { type: 'first', fake: { result: { ...RESULT, cniVersion: version } } },
        { type: 'second', capabilities: { mac: true }, fake: { addIp: '10.1.0.3/24' }, ...second },
      ],
      ...extra,
    }),
  );
}

describe('lib/cni/runtime/cni-runtime', () => {
  let fake: FakePlugins;
  let rt: CniRuntime;
  let stderr: string;
  beforeEach(() => {
    fake = makeFakePlugins(['first', 'second']);
    stderr = '';
    rt = new CniRuntime({
      pluginPaths: ['/nonexistent', fake.bin],
      cacheDir: path.join(fake.dir, 'cache'),
      env: { PATH: process.env.PATH, FAKE_LOG: fake.log, CNI_NETNS_OVERRIDE: undefined },
      stderr: (c) => void (stderr += c),
    });
  });
  afterEach(() => fake.remove());

  const cacheFile = (cid = 'c1'): string => path.join(fake.dir, 'cache', 'results', `net1-${cid}-eth0`);

  it('ADD runs the chain in order, passing each result on, and caches the final one', async () => {
    const result = await rt.addNetworkList(chain(), RT);
    assert.deepEqual(result.ips?.map((i) => i.address), ['10.1.0.2/24', '10.1.0.3/24']);
    assert.equal(result.cniVersion, '1.1.0');
    const runs = fake.runs();
    assert.deepEqual(runs.map((r) => r.type), ['first', 'second']);
    assert.equal(runs[0]!.conf.prevResult, undefined);
    assert.deepEqual(runs[1]!.conf.prevResult, RESULT);
    assert.equal(runs[0]!.conf.runtimeConfig, undefined);
    assert.deepEqual(runs[1]!.conf.runtimeConfig, { mac: '02:aa:00:00:00:09' });
    assert.deepEqual(runs[1]!.env, {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/c1',
      CNI_ARGS: 'IgnoreUnknown=1',
      CNI_IFNAME: 'eth0',
      CNI_PATH: `/nonexistent:${fake.bin}`,
    });
    const cached = JSON.parse(fs.readFileSync(cacheFile(), 'utf8'));
    assert.equal(cached.kind, 'cniCacheV1');
    assert.equal(Buffer.from(cached.config, 'base64').toString(), chain().bytes.toString());
    assert.deepEqual(cached.cniArgs, [['IgnoreUnknown', '1']]);
    assert.deepEqual(cached.capabilityArgs, { mac: '02:aa:00:00:00:09' });
    assert.deepEqual(cached.result.ips.map((i: { address: string }) => i.address), ['10.1.0.2/24', '10.1.0.3/24']);
    const got = await rt.getCachedResult('net1', 'c1', 'eth0');
    assert.deepEqual(got?.result, result);
    assert.deepEqual((await rt.listCachedAttachments('net1')).map((a) => a.containerId), ['c1']);
  });

  it('ADD converts results between the list version and the current shape', async () => {
    const result = await rt.addNetworkList(chain('0.4.0'), RT);
    const runs = fake.runs();
    assert.deepEqual(runs[1]!.conf.prevResult.ips, [{ version: '4', interface: 1, address: '10.1.0.2/24', gateway: '10.1.0.1' }]);
    assert.deepEqual(result.ips, [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 1 }, { address: '10.1.0.3/24' }]);
    assert.equal(JSON.parse(fs.readFileSync(cacheFile(), 'utf8')).result.cniVersion, '0.4.0');
  });

  it("ADD failure surfaces the plugin's code and message with its type, and caches nothing", async () => {
    const list = chain('1.1.0', {}, { fake: { fail: { on: 'ADD', code: 117, msg: 'no more addresses' } } });
    await assert.rejects(rt.addNetworkList(list, RT), (err: unknown) => {
      assert.ok(err instanceof CniError);
      assert.equal(err.code, 117);
      assert.equal(err.message, 'plugin type="second" failed (add): no more addresses');
      return true;
    });
    assert.equal(fs.existsSync(cacheFile()), false);
  });

  it('a missing plugin is reported with its type and the path', async () => {
    const list = parseConfList('{"cniVersion":"1.1.0","name":"net1","plugins":[{"type":"absent","name":"own"}]}');
    await assert.rejects(rt.addNetworkList(list, RT), {
      code: 7,
      message: `plugin type="absent" name="own" failed (add): failed to find plugin "absent" in path [/nonexistent ${fake.bin}]`,
    });
  });

  it('validates the attachment before exec', async () => {
    await assert.rejects(rt.addNetworkList(chain(), { ...RT, containerId: 'a/b' }), { code: 4 });
    await assert.rejects(rt.delNetworkList(chain(), { ...RT, ifName: '' }), { code: 4 });
    assert.equal(fake.runs().length, 0);
  });

  it('DEL runs in reverse with the cached result, then removes the cache entry; a second DEL still works', async () => {
    await rt.addNetworkList(chain(), RT);
    await rt.delNetworkList(chain(), { containerId: 'c1', netns: '', ifName: 'eth0' });
    const dels = fake.runs().slice(2);
    assert.deepEqual(dels.map((r) => [r.type, r.env.CNI_COMMAND]), [['second', 'DEL'], ['first', 'DEL']]);
    assert.deepEqual(dels[0]!.conf.prevResult.ips.length, 2);
    assert.equal(fs.existsSync(cacheFile()), false);
    await rt.delNetworkList(chain(), RT);
    assert.equal(fake.runs()[4]!.conf.prevResult, undefined);
  });

  it('DEL of a pre-0.4.0 list sends no prevResult', async () => {
    await rt.addNetworkList(chain('0.3.1'), RT);
    await rt.delNetworkList(chain('0.3.1'), RT);
    assert.equal(fake.runs()[2]!.conf.prevResult, undefined);
    assert.equal(fs.existsSync(cacheFile()), false);
  });

  it('DEL deletes an undecodable cache entry and proceeds without prevResult', async () => {
    fs.mkdirSync(path.dirname(cacheFile()), { recursive: true });
    fs.writeFileSync(cacheFile(), '{garbage');
    await rt.delNetworkList(chain(), RT);
    assert.equal(fake.runs().length, 2);
    assert.equal(fake.runs()[0]!.conf.prevResult, undefined);
    assert.equal(fs.existsSync(cacheFile()), false);
  });

  it('DEL failure keeps the cache entry and names the plugin', async () => {
    await rt.addNetworkList(chain(), RT);
    const list = chain('1.1.0', {}, { fake: { fail: { on: 'DEL', code: 11, msg: 'busy' } } });
    await assert.rejects(rt.delNetworkList(list, RT), { code: 11, message: 'plugin type="second" failed (delete): busy' });
    assert.equal(fs.existsSync(cacheFile()), true);
  });

  it('CHECK runs in order with the cached result; disableCheck and old versions as libcni', async () => {
    await rt.addNetworkList(chain(), RT);
    await rt.checkNetworkList(chain(), RT);
    const checks = fake.runs().slice(2);
    assert.deepEqual(checks.map((r) => [r.type, r.env.CNI_COMMAND]), [['first', 'CHECK'], ['second', 'CHECK']]);
    assert.equal(checks[0]!.conf.prevResult.ips.length, 2);
    await rt.checkNetworkList(chain('1.1.0', { disableCheck: true }), RT);
    assert.equal(fake.runs().length, 4);
    await assert.rejects(rt.checkNetworkList(chain('0.3.1'), RT), (err: unknown) => {
      assert.ok(err instanceof CniRuntimeError);
      assert.equal(err.message, 'configuration version "0.3.1" does not support the CHECK command');
      return true;
    });
  });

  describe('GC', () => {
    async function addThree(): Promise<void> {
      await rt.addNetworkList(chain(), { ...RT, containerId: 'keep' });
      await rt.addNetworkList(chain(), { ...RT, containerId: 'stale', netns: '/run/netns/stale' });
      const other = parseConfList(JSON.stringify({ ...JSON.parse(chain().bytes.toString()), name: 'net2' }));
      await rt.addNetworkList(other, { ...RT, containerId: 'stale2' });
      fs.truncateSync(fake.log);
    }

    it('DELs the cached attachments of this network not in the valid set, then GCs every plugin', async () => {
      await addThree();
      await rt.gcNetworkList(chain(), [{ containerId: 'keep', ifName: 'eth0' }]);
      const runs = fake.runs();
      assert.deepEqual(runs.map((r) => [r.type, r.env.CNI_COMMAND, r.env.CNI_CONTAINERID]), [
        ['second', 'DEL', 'stale'],
        ['first', 'DEL', 'stale'],
        ['first', 'GC', ''],
        ['second', 'GC', ''],
      ]);
      // The stale DEL uses what its ADD was given.
      assert.equal(runs[0]!.env.CNI_NETNS, '/run/netns/stale');
      assert.equal(runs[0]!.env.CNI_ARGS, 'IgnoreUnknown=1');
      assert.deepEqual(runs[0]!.conf.runtimeConfig, { mac: '02:aa:00:00:00:09' });
      assert.deepEqual(runs[2]!.conf['cni.dev/valid-attachments'], [{ containerID: 'keep', ifname: 'eth0' }]);
      assert.deepEqual(runs[2]!.conf['cni.dev/attachments'], [{ containerID: 'keep', ifname: 'eth0' }]);
      assert.equal(runs[2]!.conf.runtimeConfig, undefined);
      assert.deepEqual((await rt.listCachedAttachments()).map((a) => a.containerId).sort(), ['keep', 'stale2']);
    });

    it('without a valid set DELs every cached attachment of the network and injects no keys', async () => {
      await addThree();
      await rt.gcNetworkList(chain());
      const runs = fake.runs();
      assert.deepEqual(runs.filter((r) => r.env.CNI_COMMAND === 'DEL').map((r) => r.env.CNI_CONTAINERID), ['keep', 'keep', 'stale', 'stale']);
      assert.equal('cni.dev/valid-attachments' in runs.at(-1)!.conf, false);
      assert.deepEqual((await rt.listCachedAttachments()).map((a) => a.containerId), ['stale2']);
    });

    it('sends no GC verb below 1.1.0, and nothing at all with disableGC', async () => {
      await addThree();
      await rt.gcNetworkList(chain('1.1.0', { disableGC: true }), []);
      assert.equal(fake.runs().length, 0);
      await rt.gcNetworkList(chain('1.0.0'), []);
      assert.deepEqual([...new Set(fake.runs().map((r) => r.env.CNI_COMMAND))], ['DEL']);
    });

    it('goes on after errors and reports them all', async () => {
      await addThree();
      const list = chain('1.1.0', {}, { fake: { fail: { on: 'DEL', code: 100, msg: 'del broke' } } });
      list.plugins[0] = { ...list.plugins[0]!, fake: { fail: { on: 'GC', code: 101, msg: 'gc broke' } } };
      await assert.rejects(rt.gcNetworkList(list, []), (err: unknown) => {
        assert.ok(err instanceof CniRuntimeError);
        assert.deepEqual(err.message.split('\n'), [
          'failed to delete stale attachment keep eth0: plugin type="second" failed (delete): del broke',
          'failed to delete stale attachment stale eth0: plugin type="second" failed (delete): del broke',
          'failed to GC plugin first: gc broke',
        ]);
        assert.equal(err.errors.length, 3);
        return true;
      });
      // The second plugin was still sent GC after the first failed.
      assert.equal(fake.runs().at(-1)!.env.CNI_COMMAND, 'GC');
    });
  });

  it('STATUS: no-op below 1.1.0, in order otherwise, stopping at the first error with its code', async () => {
    await rt.statusNetworkList(chain('1.0.0'));
    assert.equal(fake.runs().length, 0);
    await rt.statusNetworkList(chain());
    assert.deepEqual(fake.runs().map((r) => [r.type, r.env.CNI_COMMAND]), [['first', 'STATUS'], ['second', 'STATUS']]);
    assert.equal(fake.runs()[0]!.conf.name, 'net1');
    const list = chain('1.1.0');
    list.plugins[0] = { ...list.plugins[0]!, fake: { fail: { on: 'STATUS', code: 50, msg: 'pool exhausted' } } };
    await assert.rejects(rt.statusNetworkList(list), { code: 50, message: 'plugin type="first" failed (status): pool exhausted' });
    assert.equal(fake.runs().length, 3);
  });

  it("passes the plugin's stderr to the stderr option", async () => {
    const list = parseConfList('{"cniVersion":"1.1.0","name":"net1","plugins":[{"type":"first"}]}');
    fs.writeFileSync(path.join(fake.bin, 'first'), '#!/bin/sh\necho oops >&2\nexit 1\n', { mode: 0o755 });
    await assert.rejects(rt.statusNetworkList(list), { code: 999, message: 'plugin type="first" failed (status): netplugin failed: "oops"' });
    assert.equal(stderr, 'oops\n');
  });
});
