import assert from 'node:assert/strict';
import { CniError, loadConfig } from '../../../../lib/cni';
import { loadOverlayConfig } from '../../../../plugins/overlay/config';
import { confOf, throwsCni } from '../../../helpers/unit-plugin';

const load = (extra: Record<string, unknown> = {}) => loadOverlayConfig(confOf('overlay', extra));

/** The dispatcher's own loading (base schema: name, cniVersion), then ours. */
function loadText(conf: Record<string, unknown>) {
  return loadOverlayConfig(loadConfig(JSON.stringify({ cniVersion: '1.1.0', type: 'overlay', ...conf })));
}

describe('plugins/overlay/config', () => {
  describe('defaults', () => {
    const d = load() as unknown as Record<string, unknown>;
    const table: Array<[string, unknown]> = [
      ['network', 'net1'], ['cniVersion', '1.0.0'], ['runDir', '/run/berth'], ['leaseFile', '/run/berth/overlay/net1.json'],
      ['dataDir', '/var/lib/cni/networks'], ['ipMasq', true], ['hairpinMode', false],
    ];
    for (const [key, want] of table) it(`${key} defaults to ${JSON.stringify(want)}`, () => assert.deepEqual(d[key], want));
    it('null and "" mean the default for every key', () => {
      const n = load({ runDir: null, leaseFile: null, dataDir: null, ipMasq: null, hairpinMode: null });
      const e = load({ runDir: '', leaseFile: '', dataDir: '' });
      for (const c of [n, e]) assert.deepEqual([c.runDir, c.leaseFile, c.dataDir], ['/run/berth', '/run/berth/overlay/net1.json', '/var/lib/cni/networks']);
      assert.deepEqual([n.ipMasq, n.hairpinMode], [true, false]);
    });
  });

  describe('every key is read', () => {
    it('runDir moves the lease file with it', () => {
      const c = load({ runDir: '/tmp/r/' });
      assert.deepEqual([c.runDir, c.leaseFile], ['/tmp/r/', '/tmp/r/overlay/net1.json']);
    });
    it('leaseFile wins over runDir', () => assert.equal(load({ runDir: '/tmp/r', leaseFile: '/x/y.json' }).leaseFile, '/x/y.json'));
    it('paths are normalised', () => assert.equal(load({ leaseFile: '/x/../y//z.json' }).leaseFile, '/y/z.json'));
    it('dataDir, ipMasq, hairpinMode', () => {
      const c = load({ dataDir: '/d', ipMasq: false, hairpinMode: true });
      assert.deepEqual([c.dataDir, c.ipMasq, c.hairpinMode], ['/d', false, true]);
    });
    it('unknown keys pass through', () => assert.equal(load({ other: 1, capabilities: { mac: true } }).ipMasq, true));
  });

  describe('errors name the field (code 7)', () => {
    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ['runDir not a string', { runDir: 5 }, /invalid config: \/runDir must be string,null \(got 5\)/],
      ['leaseFile not a string', { leaseFile: ['a'] }, /\/leaseFile must be string,null/],
      ['dataDir not a string', { dataDir: true }, /\/dataDir must be string,null \(got true\)/],
      ['ipMasq not a boolean', { ipMasq: 'yes' }, /\/ipMasq must be boolean,null \(got "yes"\)/],
      ['hairpinMode not a boolean', { hairpinMode: 1 }, /\/hairpinMode must be boolean,null \(got 1\)/],
      ['runDir relative', { runDir: 'run/berth' }, /invalid config: \/runDir: must be an absolute path \(got "run\/berth"\)/],
      ['leaseFile relative', { leaseFile: '../x.json' }, /\/leaseFile: must be an absolute path/],
      ['dataDir relative', { dataDir: '.' }, /\/dataDir: must be an absolute path/],
      ['a NUL in runDir', { runDir: '/run/\0x' }, /\/runDir: must not contain a NUL byte/],
      ['a NUL in leaseFile', { leaseFile: '/a\0' }, /\/leaseFile: must not contain a NUL byte/],
      ['a NUL in dataDir', { dataDir: '/a\0' }, /\/dataDir: must not contain a NUL byte/],
    ];
    for (const [what, extra, msg] of bad) it(what, () => throwsCni(() => load(extra), 7, msg));

    const names: Array<[string, unknown, RegExp]> = [
      ['null', null, /\/name must be string \(got null\)/],
      ['with a NUL', 'a\0b', /\/name must match pattern/],
      ['"../x"', '../x', /\/name must match pattern/],
      ['".."', '..', /\/name must match pattern/],
      ['with a slash', 'a/b', /\/name must match pattern/],
      ['empty', '', /\/name must match pattern/],
    ];
    for (const [what, name, msg] of names) {
      it(`name ${what} (so the lease file cannot leave runDir/overlay)`, () => throwsCni(() => loadText({ name }), 7, msg));
    }
    it('a missing name', () => throwsCni(() => loadText({}), 7, /\/name is required/));
    it('errors are CniErrors, never plain exceptions', () => {
      assert.throws(() => load({ runDir: 'x' }), CniError);
    });
  });
});
