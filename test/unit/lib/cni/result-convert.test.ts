import assert from 'node:assert/strict';
import { CniError } from '../../../../lib/cni/errors';
import { convertResult } from '../../../../lib/cni/result-convert';
import { ipFamily } from '../../../../lib/cni/result-legacy';
import { parseResult } from '../../../../lib/cni/result-parse';
import type { Result } from '../../../../lib/cni/types';
import { ALL_SPEC_VERSIONS } from '../../../../lib/cni/version';
import { golden, sampleResult } from './harness';

/** Same keys in the same order with the same values: what a byte-level golden comparison means for JSON. */
function assertSameJson(actual: unknown, expected: unknown): void {
  assert.equal(JSON.stringify(actual, null, 1), JSON.stringify(expected, null, 1));
}

/** What the sample looks like after a trip through a version's wire shape and back. */
const EXPECTED_PARSED: Record<'100' | '040' | '020', Result> = {
  '100': {
    cniVersion: '1.1.0',
    interfaces: [
      { name: 'cni0', mac: '00:11:22:33:44:55' },
      { name: 'veth1', mac: '66:77:88:99:aa:bb', mtu: 1450 },
      { name: 'eth0', mac: 'cc:dd:ee:ff:00:11', mtu: 1450, sandbox: '/var/run/netns/c1' },
    ],
    ips: [
      { interface: 2, address: '10.1.0.5/16', gateway: '10.1.0.1' },
      { interface: 2, address: '10.1.0.6/16', gateway: '10.1.0.1' },
      { interface: 2, address: 'fd00::5/64', gateway: 'fd00::1' },
    ],
    routes: [
      { dst: '0.0.0.0/0', gw: '10.1.0.1' },
      { dst: '10.2.0.0/16', gw: '10.1.0.254', mtu: 1400, table: 0 },
      { dst: '::/0' },
    ],
    dns: { nameservers: ['10.1.0.1'], search: ['example.com'] },
  },
  '040': {
    cniVersion: '1.1.0',
    interfaces: [
      { name: 'cni0', mac: '00:11:22:33:44:55' },
      { name: 'veth1', mac: '66:77:88:99:aa:bb' },
      { name: 'eth0', mac: 'cc:dd:ee:ff:00:11', sandbox: '/var/run/netns/c1' },
    ],
    ips: [
      { interface: 2, address: '10.1.0.5/16', gateway: '10.1.0.1' },
      { interface: 2, address: '10.1.0.6/16', gateway: '10.1.0.1' },
      { interface: 2, address: 'fd00::5/64', gateway: 'fd00::1' },
    ],
    routes: [
      { dst: '0.0.0.0/0', gw: '10.1.0.1' },
      { dst: '10.2.0.0/16', gw: '10.1.0.254', mtu: 1400, table: 0 },
      { dst: '::/0' },
    ],
    dns: { nameservers: ['10.1.0.1'], search: ['example.com'] },
  },
  '020': {
    cniVersion: '1.1.0',
    ips: [
      { address: '10.1.0.5/16', gateway: '10.1.0.1' },
      { address: 'fd00::5/64', gateway: 'fd00::1' },
    ],
    routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: '10.2.0.0/16', gw: '10.1.0.254' }, { dst: '::/0' }],
    dns: { nameservers: ['10.1.0.1'], search: ['example.com'] },
  },
};

const FORMAT: Record<string, '100' | '040' | '020'> = {
  '0.1.0': '020',
  '0.2.0': '020',
  '0.3.0': '040',
  '0.3.1': '040',
  '0.4.0': '040',
  '1.0.0': '100',
  '1.1.0': '100',
};

describe('lib/cni/result-convert', () => {
  for (const version of ALL_SPEC_VERSIONS) {
    it(`[${version}] writes the golden wire shape`, () => {
      assertSameJson(convertResult(sampleResult(), version), golden(version));
    });

    it(`[${version}] parses the golden back into the current shape`, () => {
      assertSameJson(parseResult(golden(version), '1.1.0'), EXPECTED_PARSED[FORMAT[version] as '100']);
    });

    it(`[${version}] round-trips: convert(parse(golden)) is the golden minus what the version cannot hold`, () => {
      const once = convertResult(parseResult(golden(version), version), version);
      assertSameJson(once, golden(version));
    });

    it(`[${version}] reads a result without cniVersion in the given default version`, () => {
      const { cniVersion: _, ...unversioned } = golden(version);
      assertSameJson(parseResult(unversioned, version), EXPECTED_PARSED[FORMAT[version] as '100']);
    });
  }

  it('does not mutate its input', () => {
    const input = sampleResult();
    convertResult(input, '0.2.0');
    convertResult(input, '0.4.0');
    assert.deepEqual(input, sampleResult());
  });

  it('drops an empty dns entirely, in every version', () => {
    for (const version of ALL_SPEC_VERSIONS) {
      const out = convertResult({ cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24' }], dns: { nameservers: [], domain: '' } }, version);
      assert.equal('dns' in out, false, version);
    }
  });

  it('keeps unknown fields of 1.x results so chained plugins pass them through', () => {
    const r = { cniVersion: '1.1.0', interfaces: [{ name: 'eth0', metadata: { a: '1' } }], future: 1 } as unknown as Result;
    assertSameJson(convertResult(r, '1.0.0'), { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', metadata: { a: '1' } }], future: 1 });
  });

  it('strips a leftover ips[].version from 1.x output', () => {
    const r = { cniVersion: '1.1.0', ips: [{ version: '4', address: '10.0.0.2/24' }] } as unknown as Result;
    assertSameJson(convertResult(r, '1.1.0'), { cniVersion: '1.1.0', ips: [{ address: '10.0.0.2/24' }] });
  });

  it('refuses a 0.2.0 result without any address (code 1), as libcni does', () => {
    assert.throws(() => convertResult({ cniVersion: '1.1.0', interfaces: [{ name: 'eth0' }] }, '0.2.0'), (err: CniError) => {
      assert.equal(err.code, 1);
      assert.equal(err.message, 'cannot convert result to cniVersion 0.2.0: it has no IP address');
      return true;
    });
  });

  it('refuses an unknown target version (code 1)', () => {
    assert.throws(() => convertResult(sampleResult(), '2.0.0'), { code: 1, message: 'cannot convert result to unknown cniVersion "2.0.0"' });
  });

  it('classifies address families as Go does (IPv4-mapped counts as 4)', () => {
    assert.equal(ipFamily('10.0.0.1/8'), '4');
    assert.equal(ipFamily('10.0.0.1'), '4');
    assert.equal(ipFamily('::ffff:10.0.0.1/128'), '4');
    assert.equal(ipFamily('fd00::1/64'), '6');
    assert.equal(ipFamily('::/0'), '6');
  });
});

describe('lib/cni/result-parse', () => {
  it('rejects a malformed result with the field path and value (code 7 by default)', () => {
    assert.throws(() => parseResult({ cniVersion: '1.0.0', ips: [{ address: 5 }] }, '1.0.0', { pointer: '/prevResult' }), (err: CniError) => {
      assert.equal(err.code, 7);
      assert.equal(err.message, 'invalid config: /prevResult/ips/0/address must be string (got 5)');
      return true;
    });
  });

  it('uses the caller\'s code and prefix', () => {
    assert.throws(() => parseResult({ routes: [{}] }, '1.0.0', { prefix: 'invalid result from plugin "x"', code: 6 }), {
      code: 6,
      message: 'invalid result from plugin "x": /routes/0/dst is required',
    });
  });

  it('refuses a result in an unknown version (code 1)', () => {
    assert.throws(() => parseResult({ cniVersion: '0.5.0' }, '1.0.0', { pointer: '/prevResult' }), {
      code: 1,
      message: 'invalid config: /prevResult/cniVersion "0.5.0" is not a known CNI version',
    });
  });

  it('rejects out-of-range numbers, including JSON numbers that overflow to Infinity', () => {
    const huge = JSON.parse('{"cniVersion":"1.1.0","ips":[{"address":"10.0.0.2/24","interface":1e400}]}') as unknown;
    assert.throws(() => parseResult(huge, '1.1.0'), { code: 7, message: 'invalid config: /ips/0/interface must be integer (got Infinity)' });
    assert.throws(() => parseResult({ routes: [{ dst: '0.0.0.0/0', table: 4294967296 }] }, '1.1.0'), {
      code: 7,
      message: 'invalid config: /routes/0/table must be <= 4294967295 (got 4294967296)',
    });
  });

  it('rejects an ips[].version that is neither "4" nor "6"', () => {
    assert.throws(() => parseResult({ cniVersion: '0.4.0', ips: [{ version: 4, address: '10.0.0.2/24' }] }, '0.4.0'), {
      code: 7,
      message: 'invalid config: /ips/0/version must be string (got 4)',
    });
    assert.throws(() => parseResult({ cniVersion: '0.4.0', ips: [{ version: '5', address: '10.0.0.2/24' }] }, '0.4.0'), {
      code: 7,
      message: 'invalid config: /ips/0/version must be one of "4", "6" (got "5")',
    });
  });
});
