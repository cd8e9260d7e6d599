import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { delegate, delegateAdd, delegateCheck, delegateDel, delegateGc, delegateStatus } from '../../../../lib/cni/delegate';
import { CniError } from '../../../../lib/cni/errors';
import { findPlugin } from '../../../../lib/cni/find-plugin';
import type { InProcessPlugin } from '../../../../lib/cni/in-process-plugin';
import type { PluginFuncs } from '../../../../lib/cni/types';
import { createLogger } from '../../../../lib/log';
import { FIXTURES, FIXTURE_BIN } from './harness';
import { skipUnlessHost } from '../../../helpers/skip';

const SHADOW = path.join(FIXTURES, 'shadow');
const DIR_SHADOW = path.join(FIXTURES, 'dir-shadow');

const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c0ffee',
  CNI_NETNS: '/var/run/netns/c0ffee',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web-0',
  CNI_PATH: FIXTURE_BIN,
};
const CONF_100 = '{"cniVersion":"1.0.0","name":"n","type":"bridge","ipam":{"type":"ok-plugin"}}';

async function rejection(p: Promise<unknown>): Promise<CniError> {
  try {
    await p;
  } catch (err) {
    return err as CniError;
  }
  assert.fail('expected a rejection');
}

function quiet(): { stderr: (c: Buffer) => void; text: () => string } {
  let text = '';
  return { stderr: (c) => void (text += c.toString()), text: () => text };
}

describe('lib/cni/find-plugin', () => {
  it('finds the first regular executable file named type', () => {
    assert.equal(findPlugin('ok-plugin', [FIXTURE_BIN]), path.join(FIXTURE_BIN, 'ok-plugin'));
  });

  it('skips a non-executable file and a directory of that name', () => {
    assert.equal(findPlugin('ok-plugin', [DIR_SHADOW, SHADOW, '/nonexistent', FIXTURE_BIN]), path.join(FIXTURE_BIN, 'ok-plugin'));
  });

  it('reports a missing plugin with the path list (code 7)', () => {
    assert.throws(() => findPlugin('nope', ['/opt/cni/bin', FIXTURE_BIN]), {
      code: 7,
      message: `failed to find plugin "nope" in path [/opt/cni/bin ${FIXTURE_BIN}]`,
      details: undefined,
    });
  });

  it('says which candidates were not executable', () => {
    assert.throws(() => findPlugin('ok-plugin', [SHADOW]), {
      code: 7,
      message: `failed to find plugin "ok-plugin" in path [${SHADOW}]`,
      details: `not executable: ${path.join(SHADOW, 'ok-plugin')}`,
    });
  });

  it('rejects names that are paths (code 7) and an empty name', () => {
    for (const name of ['../bin/ok-plugin', '/bin/sh', 'a/b', '..', '.']) {
      assert.throws(() => findPlugin(name, [FIXTURE_BIN]), { code: 7, message: `invalid plugin name ${JSON.stringify(name)}: a plugin type is a file name, not a path` });
    }
    assert.throws(() => findPlugin('', [FIXTURE_BIN]), { code: 7, message: 'no plugin name provided' });
  });

  it('reports an empty CNI_PATH as code 4', () => {
    assert.throws(() => findPlugin('ok-plugin', []), { code: 4, message: 'no paths provided: CNI_PATH is empty, cannot find plugin "ok-plugin"' });
  });
});

describe('lib/cni/delegate', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-delegate-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('returns an ADD result converted from the delegate\'s version to the current shape', async () => {
    const result = await delegateAdd('ok-plugin', CONF_100, ENV, [FIXTURE_BIN]);
    assert.deepEqual(result, {
      cniVersion: '1.1.0',
      interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/c1' }],
      ips: [{ interface: 0, address: '10.1.0.5/16', gateway: '10.1.0.1' }],
      routes: [{ dst: '0.0.0.0/0' }],
      dns: { nameservers: ['10.1.0.1'] },
    });
  });

  it('reads a result without cniVersion in the config\'s version', async () => {
    const as100 = await delegateAdd('no-version-plugin', CONF_100, ENV, [FIXTURE_BIN]);
    assert.deepEqual(as100.ips, [{ address: '10.2.0.2/24', gateway: '10.2.0.1' }]);
    const as020 = await delegateAdd('no-version-plugin', '{"cniVersion":"0.2.0","name":"n"}', ENV, [FIXTURE_BIN]);
    assert.deepEqual(as020, { cniVersion: '1.1.0', ips: [{ address: '10.3.0.2/24' }] });
    // No cniVersion in the config either: 0.1.0, the 020 shape.
    const as010 = await delegateAdd('no-version-plugin', '{"name":"n"}', ENV, [FIXTURE_BIN]);
    assert.deepEqual(as010.ips, [{ address: '10.3.0.2/24' }]);
  });

  it('returns nothing for the other verbs', async () => {
    for (const fn of [delegateDel, delegateCheck, delegateGc, delegateStatus]) {
      assert.equal(await fn('ok-plugin', CONF_100, ENV, [FIXTURE_BIN]), undefined);
    }
  });

  it('passes the environment through with only CNI_COMMAND overridden, minus NODE_EXTRA_CA_CERTS, and the exact stdin', async () => {
    const env = { ...ENV, RECORD_DIR: tmp, NODE_EXTRA_CA_CERTS: '/etc/ssl/extra.pem', CUSTOM: 'a=b; c', EMPTY: '', UNSET: undefined };
    const stdin = Buffer.from('{"cniVersion":"1.0.0","name":"n","type":"bridge","x":"é\\u0000 ☃","prevResult":{"cniVersion":"0.4.0"}}\n');
    const err = quiet();
    assert.equal(await delegate('DEL', 'record-plugin', stdin, env, [FIXTURE_BIN], { stderr: err.stderr }), undefined);

    const recorded = new Map(
      fs.readFileSync(path.join(tmp, 'env'), 'utf8').trimEnd().split('\n').map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)] as [string, string];
      }),
    );
    const { UNSET: _u, NODE_EXTRA_CA_CERTS: _n, ...expected } = env;
    for (const [key, value] of Object.entries({ ...expected, CNI_COMMAND: 'DEL' })) assert.equal(recorded.get(key), value, key);
    assert.equal(recorded.has('NODE_EXTRA_CA_CERTS'), false);
    assert.equal(recorded.has('UNSET'), false);
    // Nothing of ours leaks in beyond what the shell itself sets.
    const extra = [...recorded.keys()].filter((k) => !(k in expected) && !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(k));
    assert.deepEqual(extra, []);

    assert.deepEqual(fs.readFileSync(path.join(tmp, 'stdin')), stdin);
    assert.equal(err.text(), 'record-plugin ran DEL\n');
  });

  it('parses the recorded plugin\'s ADD result', async () => {
    const result = await delegateAdd('record-plugin', CONF_100, { ...ENV, RECORD_DIR: tmp }, [FIXTURE_BIN], { stderr: () => {} });
    assert.deepEqual(result, { cniVersion: '1.1.0', ips: [{ address: '10.9.0.2/24' }] });
    assert.match(fs.readFileSync(path.join(tmp, 'env'), 'utf8'), /^CNI_COMMAND=ADD$/m);
  });

  it('rethrows the delegate\'s CNI error with the same code, msg and details', async () => {
    const err = await rejection(delegateAdd('error-plugin', CONF_100, ENV, [FIXTURE_BIN]));
    assert.ok(err instanceof CniError);
    assert.deepEqual([err.code, err.message, err.details], [11, 'lock busy', 'another ADD holds /var/lib/cni/networks/n/lock']);
  });

  it('reports unparsable output with the text and the exit status (code 999)', async () => {
    const err = await rejection(delegateDel('garbage-plugin', CONF_100, ENV, [FIXTURE_BIN]));
    assert.equal(err.code, 999);
    assert.match(err.message, /^netplugin failed but error parsing its diagnostic message "panic: this is not json": .+/);
    assert.equal(err.details, `${path.join(FIXTURE_BIN, 'garbage-plugin')}: exit status 2`);
  });

  it('reports a failure with nothing on stdout by its stderr (code 999), and forwards that stderr', async () => {
    const err = quiet();
    const e = await rejection(delegateAdd('silent-fail-plugin', CONF_100, ENV, [FIXTURE_BIN], { stderr: err.stderr }));
    assert.deepEqual([e.code, e.message, e.details], [999, 'netplugin failed: "boom: disk on fire"', `${path.join(FIXTURE_BIN, 'silent-fail-plugin')}: exit status 1`]);
    assert.equal(err.text(), 'boom: disk on fire\n');
  });

  it('rejects an ADD result of the wrong shape (code 6, naming the field)', async () => {
    const e = await rejection(delegateAdd('bad-result-plugin', CONF_100, ENV, [FIXTURE_BIN]));
    assert.deepEqual([e.code, e.message], [6, 'invalid result from plugin "bad-result-plugin": /ips/0/address must be string (got 5)']);
  });

  it('rejects an ADD that succeeds with no output (code 6)', async () => {
    fs.writeFileSync(path.join(tmp, 'mute'), '#!/bin/sh\ncat >/dev/null\n', { mode: 0o755 });
    const mute = await rejection(delegateAdd('mute', CONF_100, ENV, [tmp]));
    assert.equal(mute.code, 6);
    assert.match(mute.message, /^invalid result from plugin "mute": .*JSON/);
  });

  it('fails before any exec when the plugin is not in the path (code 7)', async () => {
    const e = await rejection(delegateAdd('ok-plugin', CONF_100, ENV, [tmp]));
    assert.deepEqual([e.code, e.message], [7, `failed to find plugin "ok-plugin" in path [${tmp}]`]);
  });

  it('reports a delegate killed by a signal', async () => {
    fs.writeFileSync(path.join(tmp, 'suicide'), '#!/bin/sh\nkill -9 $$\n', { mode: 0o755 });
    const e = await rejection(delegateDel('suicide', CONF_100, ENV, [tmp], { stderr: () => {} }));
    assert.deepEqual([e.code, e.message, e.details], [999, 'netplugin failed: ""', `${path.join(tmp, 'suicide')}: killed by SIGKILL`]);
  });

  it('does not fail when the delegate exits without reading a large stdin', async () => {
    fs.writeFileSync(path.join(tmp, 'early'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const big = JSON.stringify({ cniVersion: '1.0.0', name: 'n', pad: 'x'.repeat(4 << 20) });
    assert.equal(await delegateDel('early', big, ENV, [tmp]), undefined);
  });

  it('retries while the executable is busy being written (ETXTBSY)', async function () {
    const file = path.join(tmp, 'busy-plugin');
    fs.copyFileSync(path.join(FIXTURE_BIN, 'ok-plugin'), file);
    fs.chmodSync(file, 0o755);
    const fd = fs.openSync(file, 'r+');
    // Linux refuses to exec a file open for writing; skip where a kernel allows it.
    const refused = spawnSync(file, { input: '' }).error !== undefined;
    if (!refused) fs.closeSync(fd);
    skipUnlessHost(this, refused, 'this kernel lets a file open for writing be exec\'d (no ETXTBSY to test)');
    const timer = setTimeout(() => fs.closeSync(fd), 150);
    try {
      const result = await delegateAdd('busy-plugin', CONF_100, ENV, [tmp]);
      assert.equal(result.ips?.[0]?.address, '10.1.0.5/16');
    } finally {
      clearTimeout(timer);
    }
  });
});

describe('lib/cni/delegate in process (opts.inProcess)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-delegate-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const silent = createLogger({}, { BERTH_LOG_LEVEL: 'silent' });

  /** A plugin file in `tmp`: berth's marker (or not) over a body that fails if it is ever exec'd. */
  function pluginFile(name: string, marked: boolean): void {
    const text = marked
      ? `#!/usr/bin/env node\n// berth-plugin ${name}\nprocess.stdout.write('{"code":11,"msg":"exec was used"}'); process.exitCode = 1;\n`
      : `#!/bin/sh\necho '{"code":11,"msg":"exec was used"}'; exit 1\n`;
    fs.writeFileSync(path.join(tmp, name), text, { mode: 0o755 });
  }

  /** A bundled copy whose verbs record what they were given. */
  function recorder(name: string, add: PluginFuncs['add'] = async () => ({ cniVersion: '1.1.0', ips: [{ address: '10.9.0.2/24' }] })) {
    const seen: { command: string; env: Record<string, string | undefined>; stdin: string }[] = [];
    const note = (a: { command: string; env: Record<string, string | undefined>; stdinData: Buffer }) =>
      void seen.push({ command: a.command, env: a.env, stdin: a.stdinData.toString() });
    const plugin: InProcessPlugin = {
      info: { name, version: '0.0.1' },
      funcs: {
        add: async (a) => { note(a); return add(a); },
        del: async (a) => note(a),
        check: async (a) => note(a),
      },
    };
    return { plugin, seen };
  }

  it('runs the bundled verbs, not the file, when CNI_PATH names berth\'s build of that plugin', async () => {
    pluginFile('bridge', true);
    const { plugin, seen } = recorder('bridge');
    const result = await delegateAdd('bridge', CONF_100, { ...ENV, CNI_NETNS: '/proc/1/ns/net' }, [tmp], { inProcess: plugin, log: silent });
    assert.deepEqual(result, { cniVersion: '1.1.0', ips: [{ address: '10.9.0.2/24' }] });
    await delegateDel('bridge', CONF_100, { ...ENV, CNI_NETNS: '/proc/1/ns/net' }, [tmp], { inProcess: plugin, log: silent });
    assert.deepEqual(seen.map((s) => [s.command, s.env.CNI_COMMAND, s.stdin]), [['ADD', 'ADD', CONF_100], ['DEL', 'DEL', CONF_100]]);
  });

  it('execs a file that is not berth\'s build of it (a reference binary put in its place)', async () => {
    pluginFile('bridge', false);
    const { plugin, seen } = recorder('bridge');
    const e = await rejection(delegateAdd('bridge', CONF_100, ENV, [tmp], { inProcess: plugin, stderr: () => {} }));
    assert.deepEqual([e.code, e.message], [11, 'exec was used']);
    assert.equal(seen.length, 0);
  });

  it('execs berth\'s build of another plugin than the bundled one', async () => {
    pluginFile('macvlan', true);
    const { plugin, seen } = recorder('bridge');
    const e = await rejection(delegateAdd('macvlan', CONF_100, ENV, [tmp], { inProcess: plugin, stderr: () => {} }));
    assert.equal(e.code, 11);
    assert.equal(seen.length, 0);
  });

  it('passes the in-process failure on as the exec would: same code, msg and details', async () => {
    pluginFile('bridge', true);
    const { plugin } = recorder('bridge', async () => { throw new CniError(11, 'no bridge', { details: 'br9' }); });
    const e = await rejection(delegateAdd('bridge', CONF_100, ENV, [tmp], { inProcess: plugin, log: silent }));
    assert.deepEqual([e.code, e.message, e.details], [11, 'no bridge', 'br9']);
    // The config is validated by the dispatcher as the exec'd plugin would (code 7 naming the field).
    const bad = await rejection(delegateAdd('bridge', '{"cniVersion":"1.0.0","name":"n/../x","type":"bridge"}', ENV, [tmp], { inProcess: plugin, log: silent }));
    assert.equal(bad.code, 7);
    assert.match(bad.message, /name/);
  });
});
