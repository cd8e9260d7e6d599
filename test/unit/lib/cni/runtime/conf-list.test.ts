import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CniRuntimeError, loadConfListFile, parseConfList } from '../../../../../lib/cni/runtime';

const BRIDGE = { type: 'bridge', bridge: 'cni0', ipam: { type: 'host-local', subnet: '10.1.0.0/24' } };

function list(extra: Record<string, unknown>): string {
  return JSON.stringify({ cniVersion: '1.0.0', name: 'net1', plugins: [BRIDGE], ...extra });
}

describe('lib/cni/runtime/conf-list parseConfList', () => {
  it('reads a conflist, keeping the plugins and the original bytes', () => {
    const text = list({ plugins: [BRIDGE, { type: 'tuning', capabilities: { mac: true } }] });
    const l = parseConfList(text);
    assert.equal(l.name, 'net1');
    assert.equal(l.cniVersion, '1.0.0');
    assert.equal(l.disableCheck, false);
    assert.equal(l.disableGC, false);
    assert.deepEqual(l.plugins, [BRIDGE, { type: 'tuning', capabilities: { mac: true } }]);
    assert.ok(l.bytes.equals(Buffer.from(text)));
  });

  const good: [string, Record<string, unknown>, Partial<ReturnType<typeof parseConfList>>][] = [
    ['disableCheck true', { disableCheck: true }, { disableCheck: true }],
    ['disableCheck "TRUE" (libcni readBool)', { disableCheck: 'TRUE' }, { disableCheck: true }],
    ['disableGC "false"', { disableGC: 'false' }, { disableGC: false }],
    ['disableGC true', { disableGC: true }, { disableGC: true }],
    ['cniVersions: the highest we speak wins', { cniVersion: '0.4.0', cniVersions: ['1.0.0', '1.1.0', '9.0.0'] }, { cniVersion: '1.1.0' }],
    ['cniVersions without cniVersion', { cniVersion: undefined, cniVersions: ['0.3.1', '1.0.0'] }, { cniVersion: '1.0.0' }],
    ['cniVersion absent means 0.1.0', { cniVersion: undefined }, { cniVersion: '0.1.0' }],
    ['cniVersion "" means 0.1.0', { cniVersion: '' }, { cniVersion: '0.1.0' }],
  ];
  for (const [title, extra, want] of good) {
    it(`accepts ${title}`, () => {
      const l = parseConfList(list(extra));
      for (const [k, v] of Object.entries(want)) assert.deepEqual(l[k as keyof typeof l], v, k);
    });
  }

  it('wraps a single-plugin .conf into a one-plugin list (ConfListFromConf)', () => {
    const conf = { cniVersion: '0.4.0', name: 'single', type: 'bridge', bridge: 'br9', ipam: { type: 'host-local' } };
    const l = parseConfList(JSON.stringify(conf), '/etc/cni/net.d/10-single.conf');
    assert.equal(l.name, 'single');
    assert.equal(l.cniVersion, '0.4.0');
    assert.deepEqual(l.plugins, [conf]);
    assert.deepEqual(JSON.parse(l.bytes.toString()), { cniVersion: '0.4.0', name: 'single', plugins: [conf] });
  });

  const bad: [string, string, string][] = [
    ['not JSON', '{', 'cfg: invalid JSON: '],
    ['an array', '[]', 'cfg: must be a JSON object, got array'],
    ['no name', JSON.stringify({ cniVersion: '1.0.0', plugins: [BRIDGE] }), 'cfg: missing "name"'],
    ['a numeric name', list({ name: 7 }), 'cfg: "name" must be a string, got number'],
    ['an invalid name', list({ name: 'my net' }), 'cfg: invalid network name "my net": must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
    ['a name with a slash', list({ name: '../x' }), 'cfg: invalid network name "../x"'],
    ['a numeric cniVersion', list({ cniVersion: 1 }), 'cfg: "cniVersion" must be a string, got number'],
    ['a cniVersion that is not semver', list({ cniVersion: '1.0' }), 'cfg: "cniVersion" "1.0" is not a version (MAJOR.MINOR.PATCH)'],
    ['an unknown cniVersion', list({ cniVersion: '0.5.0' }), 'cfg: "cniVersion" "0.5.0" is not a CNI spec version this runtime supports'],
    ['cniVersions not an array', list({ cniVersions: '1.0.0' }), 'cfg: "cniVersions" must be an array of strings, got string'],
    ['a bad cniVersions entry', list({ cniVersions: ['1.0.0', 'x'] }), 'cfg: "cniVersions"[1] "x" is not a version'],
    ['only newer cniVersions', list({ cniVersion: undefined, cniVersions: ['2.0.0'] }), 'cfg: "cniVersions" names no version this runtime supports'],
    ['a non-boolean disableCheck', list({ disableCheck: 1 }), 'cfg: "disableCheck" must be a boolean, got number'],
    ['a bad disableGC string', list({ disableGC: 'yes' }), 'cfg: "disableGC" must be true or false, got "yes"'],
    ['no plugins', JSON.stringify({ cniVersion: '1.0.0', name: 'n' }), 'cfg: missing "plugins"'],
    ['plugins not an array', list({ plugins: {} }), 'cfg: "plugins" must be an array, got object'],
    ['an empty plugins list', list({ plugins: [] }), 'cfg: no plugins in list: "plugins" is empty'],
    ['a plugin that is not an object', list({ plugins: [BRIDGE, 'x'] }), 'cfg: plugins[1] must be an object, got string'],
    ['a plugin without type', list({ plugins: [{ bridge: 'x' }] }), 'cfg: plugins[0]: missing "type"'],
    ['a plugin with a numeric type', list({ plugins: [{ type: 3 }] }), 'cfg: plugins[0]: "type" must be a string, got number'],
    ['a plugin type that is a path', list({ plugins: [{ type: '../bin/sh' }] }), 'cfg: plugins[0]: invalid "type" "../bin/sh": a plugin type is a file name, not a path'],
    ['capabilities not an object', list({ plugins: [{ type: 'x', capabilities: ['mac'] }] }), 'cfg: plugins[0]: "capabilities" must be an object, got array'],
    ['a .conf without name', JSON.stringify({ cniVersion: '1.0.0', type: 'bridge' }), 'cfg: missing "name"'],
  ];
  for (const [title, text, message] of bad) {
    it(`rejects ${title}`, () => {
      assert.throws(
        () => parseConfList(text, 'cfg'),
        (err: unknown) => err instanceof CniRuntimeError && err.message.startsWith(message) && err.source === 'cfg',
      );
    });
  }
});

describe('lib/cni/runtime/conf-list loadConfListFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-conflist-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file and appends <dir>/<name>/*.conf plugins, sorted', () => {
    const file = path.join(dir, '10-net1.conflist');
    fs.writeFileSync(file, list({}));
    fs.mkdirSync(path.join(dir, 'net1'));
    fs.writeFileSync(path.join(dir, 'net1', 'b.conf'), '{"type":"tuning"}');
    fs.writeFileSync(path.join(dir, 'net1', 'a.conf'), '{"type":"portmap"}');
    fs.writeFileSync(path.join(dir, 'net1', 'c.json'), '{"type":"ignored"}');
    const l = loadConfListFile(file);
    assert.deepEqual(l.plugins.map((p) => p.type), ['bridge', 'portmap', 'tuning']);
    assert.equal(l.bytes.toString(), list({}));
  });

  it('takes only the inline plugins when loadOnlyInlinedPlugins is true', () => {
    const file = path.join(dir, 'x.conflist');
    fs.writeFileSync(file, list({ loadOnlyInlinedPlugins: true }));
    fs.mkdirSync(path.join(dir, 'net1'));
    fs.writeFileSync(path.join(dir, 'net1', 'a.conf'), '{"type":"portmap"}');
    assert.deepEqual(loadConfListFile(file).plugins.map((p) => p.type), ['bridge']);
  });

  it('accepts a list whose plugins all come from its directory', () => {
    const file = path.join(dir, 'x.conflist');
    fs.writeFileSync(file, JSON.stringify({ cniVersion: '1.1.0', name: 'net1' }));
    fs.mkdirSync(path.join(dir, 'net1'));
    fs.writeFileSync(path.join(dir, 'net1', 'a.conf'), '{"type":"portmap"}');
    assert.deepEqual(loadConfListFile(file).plugins, [{ type: 'portmap' }]);
  });

  it('names the file when it is missing, or has no plugins at all, or a bad plugin file', () => {
    assert.throws(() => loadConfListFile(path.join(dir, 'nope.conflist')), /error reading .*nope\.conflist: ENOENT/);
    const file = path.join(dir, 'x.conflist');
    fs.writeFileSync(file, JSON.stringify({ cniVersion: '1.1.0', name: 'net1' }));
    assert.throws(() => loadConfListFile(file), /x\.conflist: no plugin configs found/);
    fs.mkdirSync(path.join(dir, 'net1'));
    fs.writeFileSync(path.join(dir, 'net1', 'a.conf'), '{"name":"x"}');
    assert.throws(() => loadConfListFile(file), /net1\/a\.conf: missing "type"/);
  });
});
