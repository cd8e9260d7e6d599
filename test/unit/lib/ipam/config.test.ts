import assert from 'node:assert/strict';
import { formatResultAddresses } from '../../../../lib/cni/parsed-result';
import type { NetConf } from '../../../../lib/cni/types';
import { resolveHostLocalConfig, resolveStoreRef, type HostLocalNetConf } from '../../../../lib/ipam/config';
import { formatIP } from '../../../../lib/ip';
import { rangeSetToString } from '../../../../lib/ipam/range-set';
import { loadHostLocalConfig } from '../../../../lib/ipam/load-config';
import { expectCni } from './expect-cni';

const base = (ipam: unknown, extra: Record<string, unknown> = {}): HostLocalNetConf =>
  ({ cniVersion: '1.1.0', name: 'net1', type: 'bridge', ipam, ...extra }) as HostLocalNetConf;

describe('lib/ipam/config', () => {
  it('merges runtimeConfig.ipRanges, the legacy range and ranges in the reference order', () => {
    const conf = resolveHostLocalConfig(base(
      { type: 'host-local', subnet: '10.2.0.0/24', ranges: [[{ subnet: '10.3.0.0/24' }], [{ subnet: '2001:db8::/64' }]] },
      { runtimeConfig: { ipRanges: [[{ subnet: '10.1.0.0/24' }]] } },
    ));
    assert.deepEqual(conf.rangeSets.map(rangeSetToString), [
      '10.1.0.1-10.1.0.254', '10.2.0.1-10.2.0.254', '10.3.0.1-10.3.0.254', '2001:db8::1-2001:db8::ffff:ffff:ffff:ffff',
    ]);
    assert.deepEqual(conf.rangeSets.map((s) => s.field), ['/runtimeConfig/ipRanges/0', '/ipam/subnet', '/ipam/ranges/0', '/ipam/ranges/1']);
    assert.equal(conf.dataDir, '/var/lib/cni/networks');
    assert.equal(conf.resolvConf, undefined);
  });

  it('collects requested IPs from CNI_ARGS, args.cni.ips and runtimeConfig.ips, prefixes dropped, duplicates once', () => {
    const conf = resolveHostLocalConfig(base(
      { ranges: [[{ subnet: '10.1.0.0/24' }]] },
      { args: { cni: { ips: ['10.1.0.7/24', '10.1.0.5'] } }, runtimeConfig: { ips: ['10.1.0.9'] } },
    ), '10.1.0.5');
    assert.deepEqual(conf.requestedIPs.map(formatIP), ['10.1.0.5', '10.1.0.7', '10.1.0.9']);
  });

  it('ignores legacy range keys without a subnet, as Go does', () => {
    const conf = resolveHostLocalConfig(base({ gateway: '10.9.9.9', ranges: [[{ subnet: '10.1.0.0/24' }]] }));
    assert.equal(conf.rangeSets.length, 1);
  });

  it('canonicalises routes and keeps only route keys', () => {
    const conf = resolveHostLocalConfig(base({
      subnet: '10.1.0.0/24',
      routes: [{ dst: '0.0.0.0/0' }, { dst: '2001:DB8::/32', gw: '2001:db8::1', mtu: 1400, table: 0, bogus: 1 }],
    }));
    assert.deepEqual(formatResultAddresses({ cniVersion: '1.1.0', routes: conf.routes }).routes, [{ dst: '0.0.0.0/0' }, { dst: '2001:db8::/32', gw: '2001:db8::1', mtu: 1400, table: 0 }]);
  });

  describe('errors', () => {
    const cases: Array<[string, HostLocalNetConf, string | undefined, number, string]> = [
      ['no ipam', { cniVersion: '1.1.0', name: 'n' } as HostLocalNetConf, undefined, 7, "invalid config: /ipam: IPAM config missing 'ipam' key"],
      ['null ipam', base(null), undefined, 7, "invalid config: /ipam: IPAM config missing 'ipam' key"],
      ['no ranges', base({ type: 'host-local' }), undefined, 7, 'invalid config: /ipam/ranges: no IP ranges specified'],
      ['null ranges', base({ ranges: null, subnet: null }), undefined, 7, 'invalid config: /ipam/ranges: no IP ranges specified'],
      ['network name with ../', { ...base({ subnet: '10.0.0.0/24' }), name: '../etc' }, undefined, 7, 'invalid config: /name: invalid network name "../etc": must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
      ['network name ..', { ...base({ subnet: '10.0.0.0/24' }), name: '..' }, undefined, 7, 'invalid config: /name: invalid network name "..": must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
      ['network name with /', { ...base({ subnet: '10.0.0.0/24' }), name: 'a/b' }, undefined, 7, 'invalid config: /name: invalid network name "a/b": must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
      ['network name with NUL', { ...base({ subnet: '10.0.0.0/24' }), name: 'a\u0000b' }, undefined, 7, 'invalid config: /name: invalid network name "a\\u0000b": must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'],
      ['dataDir with NUL', base({ subnet: '10.0.0.0/24', dataDir: '/tmp/a\u0000' }), undefined, 7, 'invalid config: /ipam/dataDir: must be a path without NUL bytes, got "/tmp/a\\u0000"'],
      ['overlapping sets', base({ subnet: '10.0.0.0/16', ranges: [[{ subnet: '10.0.5.0/24' }]] }), undefined, 7, 'invalid config: /ipam/ranges/0: range set 1 overlaps with range set 0 (/ipam/subnet)'],
      ['legacy subnet too small', base({ subnet: '10.0.0.0/31' }), undefined, 7, 'invalid config: /ipam/subnet: Network 10.0.0.0/31 too small to allocate from'],
      ['ipRanges error', base({ subnet: '10.0.0.0/24' }, { runtimeConfig: { ipRanges: [[{ subnet: '10.1.0.1/24' }]] } }), undefined, 7,
        'invalid config: /runtimeConfig/ipRanges/0/0/subnet: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.0.0'],
      ['two v4 sets in 0.2.0', { ...base({ ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: '10.1.0.0/24' }]] }), cniVersion: '0.2.0' }, undefined, 7,
        'invalid config: /ipam/ranges: CNI version 0.2.0 does not support more than 1 address per family'],
      ['bad CNI_ARGS IP', base({ subnet: '10.0.0.0/24' }), '10.0.0.300', 4, 'CNI_ARGS: IP: invalid IP address: "10.0.0.300"'],
      ['bad args.cni.ips', base({ subnet: '10.0.0.0/24' }, { args: { cni: { ips: ['10.0.0.5', 'x'] } } }), undefined, 7, 'invalid config: /args/cni/ips/1: invalid IP address: "x"'],
      ['bad runtimeConfig.ips', base({ subnet: '10.0.0.0/24' }, { runtimeConfig: { ips: [5] } }), undefined, 7, 'invalid config: /runtimeConfig/ips/0: invalid IP address: 5'],
      ['bad exclude', base({ subnet: '10.0.0.0/24', exclude: ['10.0.0.5', '10.0.0.8/29', '10.0.0.9/29'] }), undefined, 7,
        'invalid config: /ipam/exclude/2: Network has host bits set. For a subnet mask of length 29 the network address is 10.0.0.8'],
      ['exclude not an IP', base({ subnet: '10.0.0.0/24', exclude: ['nope'] }), undefined, 7, 'invalid config: /ipam/exclude/0: invalid IP address: "nope"'],
      ['bad route dst', base({ subnet: '10.0.0.0/24', routes: [{ dst: '0.0.0.0' }] }), undefined, 7, 'invalid config: /ipam/routes/0/dst: invalid CIDR address: "0.0.0.0"'],
      ['bad route gw', base({ subnet: '10.0.0.0/24', routes: [{ dst: '0.0.0.0/0', gw: '1.2.3' }] }), undefined, 7, 'invalid config: /ipam/routes/0/gw: invalid IP address: "1.2.3"'],
      ['negative route mtu', base({ subnet: '10.0.0.0/24', routes: [{ dst: '0.0.0.0/0', mtu: -1 }] }), undefined, 7, 'invalid config: /ipam/routes/0/mtu: must be an integer from 0 to 4294967295, got -1'],
    ];
    for (const [name, conf, ip, code, msg] of cases) {
      it(`${name}: ${code} ${msg}`, () => expectCni(() => resolveHostLocalConfig(conf, ip), code, msg));
    }
  });

  it('resolveStoreRef needs only name and dataDir (DEL works with broken ranges)', () => {
    assert.deepEqual(resolveStoreRef(base({ subnet: '10.0.0.1/24', dataDir: '/x' })), { name: 'net1', dataDir: '/x' });
    expectCni(() => resolveStoreRef(base({ subnet: '10.0.0.0/24' }, { name: 'a/../b' })), 7,
      'invalid config: /name: invalid network name "a/../b": must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$');
  });
});

describe('plugins/host-local-ipam config (schema, then lib/ipam)', () => {
  const conf = (ipam: unknown, extra: Record<string, unknown> = {}): NetConf =>
    ({ cniVersion: '1.1.0', name: 'net1', type: 'host-local', ipam, ...extra }) as unknown as NetConf;
  const cases: Array<[string, NetConf, string, number, string]> = [
    ['ipam missing', { cniVersion: '1.1.0', name: 'n', type: 'x' } as NetConf, '', 7, 'invalid config: /ipam is required'],
    ['subnet a number', conf({ subnet: 10 }), '', 7, 'invalid config: /ipam/subnet must be string,null (got 10)'],
    ['huge number in a range', conf({ ranges: [[{ subnet: 1e400 }]] }), '', 7, 'invalid config: /ipam/ranges/0/0/subnet must be string (got Infinity)'],
    ['null subnet inside ranges', conf({ ranges: [[{ subnet: null }]] }), '', 7, 'invalid config: /ipam/ranges/0/0/subnet must be string (got null)'],
    ['range set not an array', conf({ ranges: [{ subnet: '10.0.0.0/24' }] }), '', 7, 'invalid config: /ipam/ranges/0 must be array (got {"subnet":"10.0.0.0/24"})'],
    ['huge route mtu', conf({ subnet: '10.0.0.0/24', routes: [{ dst: '0.0.0.0/0', mtu: 1e20 }] }), '', 7, 'invalid config: /ipam/routes/0/mtu must be <= 4294967295 (got 100000000000000000000)'],
    ['negative route table', conf({ subnet: '10.0.0.0/24', routes: [{ dst: '0.0.0.0/0', table: -5 }] }), '', 7, 'invalid config: /ipam/routes/0/table must be >= 0 (got -5)'],
    ['args.cni.ips not strings', conf({ subnet: '10.0.0.0/24' }, { args: { cni: { ips: [1] } } }), '', 7, 'invalid config: /args/cni/ips/0 must be string (got 1)'],
    ['unknown CNI_ARGS', conf({ subnet: '10.0.0.0/24' }), 'FOO=1', 4, 'CNI_ARGS: unknown args ["FOO=1"]'],
  ];
  for (const [name, c, args, code, msg] of cases) {
    it(`${name}: ${code} ${msg}`, () => expectCni(() => loadHostLocalConfig(c, args), code, msg));
  }
  it('accepts nulls for optional keys and IgnoreUnknown CNI_ARGS', () => {
    const c = loadHostLocalConfig(conf({ subnet: '10.0.0.0/24', gateway: null, routes: null, dataDir: null, resolvConf: null, exclude: null },
      { args: { cni: null } }), 'IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.0.0.9');
    assert.deepEqual(c.requestedIPs.map(formatIP), ['10.0.0.9']);
    assert.equal(c.dataDir, '/var/lib/cni/networks');
  });
});
