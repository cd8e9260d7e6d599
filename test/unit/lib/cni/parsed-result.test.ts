import assert from 'node:assert/strict';
import { ResultAddressError, formatResultAddresses, parseResultAddresses, resultCidrs } from '../../../../lib/cni/parsed-result';
import type { Result } from '../../../../lib/cni/types';
import { parseCidr, parseIP } from '../../../../lib/ip';

describe('lib/cni/parsed-result', () => {
  const wire: Result = {
    cniVersion: '1.0.0',
    interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/x' }],
    ips: [{ interface: 0, address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd00::5/64' }],
    routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.1', priority: 5 }, { dst: '10.9.3.4/16' }],
    dns: { nameservers: ['10.1.0.1'] },
  };

  it('parses every address, CIDR and gateway once, keeping the other keys', () => {
    const p = parseResultAddresses(wire);
    assert.deepEqual(p.ips, [
      { interface: 0, address: parseCidr('10.1.0.5/24'), gateway: parseIP('10.1.0.1') },
      { address: parseCidr('fd00::5/64') },
    ]);
    assert.deepEqual(p.routes, [{ dst: parseCidr('0.0.0.0/0'), gw: parseIP('10.1.0.1'), priority: 5 }, { dst: parseCidr('10.9.3.4/16') }]);
    assert.deepEqual([p.interfaces, p.dns], [wire.interfaces, wire.dns]);
  });

  it('formats back to the same wire result (canonical text, host bits kept)', () => {
    assert.deepEqual(formatResultAddresses(parseResultAddresses(wire)), wire);
  });

  it('an empty gateway is none, as Go decodes it', () => {
    const p = parseResultAddresses({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24', gateway: '' }], routes: [{ dst: '::/0', gw: '' }] });
    assert.deepEqual([p.ips, p.routes], [[{ address: parseCidr('10.1.0.5/24') }], [{ dst: parseCidr('::/0') }]]);
  });

  const bad: [string, Partial<Result>][] = [
    ['ips[1].address', { ips: [{ address: '10.1.0.5/24' }, { address: '10.1.0.6' }] }],
    ['ips[0].gateway', { ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1/24' }] }],
    ['routes[0].dst', { routes: [{ dst: 'default' }] }],
    ['routes[0].gw', { routes: [{ dst: '0.0.0.0/0', gw: 'x' }] }],
  ];
  for (const [field, r] of bad) {
    it(`names the field that does not parse: ${field}`, () => {
      assert.throws(() => parseResultAddresses({ cniVersion: '1.0.0', ...r }), (e: unknown) => e instanceof ResultAddressError && e.field === field && e.message.startsWith(`invalid result: ${field}: `));
    });
  }

  it('resultCidrs: the addresses that parse (DEL goes on past a bad one); undefined without a result', () => {
    assert.deepEqual(resultCidrs({ cniVersion: '1.0.0', ips: [{ address: 'bad' }, { address: '10.1.0.5/24' }] }), [parseCidr('10.1.0.5/24')]);
    assert.equal(resultCidrs(undefined), undefined);
  });
});
