import assert from 'node:assert/strict';
import { isCniError } from '../../../../lib/cni/errors';
import {
  ALL_SPEC_VERSIONS,
  assertSupportedVersion,
  assertVersionAllows,
  compareVersions,
  CURRENT_VERSION,
  newestVersion,
  parseVersion,
  versionAtLeast,
  versionReply,
} from '../../../../lib/cni/version';

function cniError(fn: () => unknown): { code: number; message: string; details: string | undefined } {
  try {
    fn();
  } catch (err) {
    assert.ok(isCniError(err), `expected a CniError, got ${String(err)}`);
    return { code: err.code, message: err.message, details: err.details };
  }
  assert.fail('expected a throw');
}

describe('lib/cni/version', () => {
  it('lists the seven spec versions, oldest first, and 1.1.0 as current', () => {
    assert.deepEqual(ALL_SPEC_VERSIONS, ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);
    assert.equal(CURRENT_VERSION, '1.1.0');
  });

  it('parses strict MAJOR.MINOR.PATCH only', () => {
    assert.deepEqual(parseVersion('0.3.1'), [0, 3, 1]);
    assert.deepEqual(parseVersion('10.20.30'), [10, 20, 30]);
    for (const bad of ['1.0', '1', '', 'v1.0.0', '1.0.0-rc1', '01.0.0', '1.0.0 ', '1..0']) assert.equal(parseVersion(bad), undefined, bad);
  });

  it('compares numerically, not as strings', () => {
    assert.ok(compareVersions('0.10.0', '0.9.0') > 0);
    assert.ok(compareVersions('0.3.0', '0.3.1') < 0);
    assert.equal(compareVersions('1.1.0', '1.1.0'), 0);
    assert.equal(versionAtLeast('0.4.0', '0.4.0'), true);
    assert.equal(versionAtLeast('0.3.1', '0.4.0'), false);
    assert.deepEqual(cniError(() => compareVersions('1.0', '1.0.0')), { code: 1, message: 'invalid version "1.0"', details: undefined });
  });

  it('picks the newest of a list', () => {
    assert.equal(newestVersion(['0.4.0', '1.0.0', '0.10.0']), '1.0.0');
    assert.equal(newestVersion([]), undefined);
  });

  it('requires an exact supported version (code 1, details in Go %q style)', () => {
    assertSupportedVersion('0.3.1', ALL_SPEC_VERSIONS);
    assert.deepEqual(cniError(() => assertSupportedVersion('1.0', ['0.4.0', '1.0.0'])), {
      code: 1,
      message: 'incompatible CNI versions',
      details: 'config is "1.0", plugin supports ["0.4.0" "1.0.0"]',
    });
  });

  for (const [verb, min, below] of [
    ['CHECK', '0.4.0', '0.3.1'],
    ['GC', '1.1.0', '1.0.0'],
    ['STATUS', '1.1.0', '1.0.0'],
  ] as const) {
    it(`gates ${verb} on cniVersion >= ${min}`, () => {
      assertVersionAllows(verb, min);
      const e = cniError(() => assertVersionAllows(verb, below));
      assert.equal(e.code, 1);
      assert.equal(e.message, `config version does not allow ${verb}`);
      assert.equal(e.details, `${verb} needs cniVersion ${min} or later, config is "${below}"`);
    });
  }

  it('lets ADD and DEL through at any version', () => {
    assertVersionAllows('ADD', '0.1.0');
    assertVersionAllows('DEL', '0.1.0');
  });

  it('echoes a supported requested version in the VERSION reply, else the newest supported', () => {
    assert.deepEqual(versionReply('0.4.0', ALL_SPEC_VERSIONS), { cniVersion: '0.4.0', supportedVersions: [...ALL_SPEC_VERSIONS] });
    assert.equal(versionReply('9.9.9', ALL_SPEC_VERSIONS).cniVersion, '1.1.0');
    assert.equal(versionReply(undefined, ALL_SPEC_VERSIONS).cniVersion, '1.1.0');
    assert.equal(versionReply(42, ALL_SPEC_VERSIONS).cniVersion, '1.1.0');
    assert.equal(versionReply('1.1.0', ['0.3.1', '0.4.0']).cniVersion, '0.4.0');
  });
});
