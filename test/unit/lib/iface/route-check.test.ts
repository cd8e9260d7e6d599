// The result's routes against the interface's addresses, before anything is applied (pure).
import assert from 'node:assert/strict';
import { parseResultAddresses, type Result } from '../../../../lib/cni';
import { UnreachableGatewayError, checkRouteGateways as checkParsed, maskedDst } from '../../../../lib/iface/route-check';
import { parseCidr, type Cidr } from '../../../../lib/ip';

/** checkRouteGateways over a result in its wire (text) form. */
const checkRouteGateways = (r: Pick<Result, 'ips' | 'routes'>, on: readonly Cidr[], ifName: string) =>
  checkParsed(parseResultAddresses({ cniVersion: '1.0.0', ...r }), on, ifName);

const subnets = ['10.7.0.2/24', '2001:db8::2/64'].map((c) => parseCidr(c)!);
const throwsAt = (fn: () => void, field: string) =>
  assert.throws(fn, (err: unknown) => err instanceof UnreachableGatewayError && err.field === field && err.message.includes(field));

describe('lib/iface/route-check', () => {
  it('a gw inside a subnet of its family, and a device route, pass', () => {
    checkRouteGateways({ routes: [{ dst: '0.0.0.0/0', gw: '10.7.0.1' }, { dst: '10.9.0.0/16' }, { dst: '::/0', gw: '2001:db8::1' }] }, subnets, 'eth0');
  });
  it('a gw outside every subnet names routes[i].gw', () => {
    throwsAt(() => checkRouteGateways({ routes: [{ dst: '10.9.0.0/16', gw: '10.7.0.1' }, { dst: '0.0.0.0/0', gw: '192.168.1.1' }] }, subnets, 'eth0'), 'routes[1].gw');
  });
  it('the implicit gateway (ips[].gateway) is checked for a route without gw, and named', () => {
    throwsAt(() => checkRouteGateways({ ips: [{ address: '10.7.0.2/24', gateway: '10.99.0.1' }], routes: [{ dst: '0.0.0.0/0' }] }, subnets, 'eth0'), 'ips[0].gateway');
  });
  it('a gw of a family the interface has no address of', () => {
    throwsAt(() => checkRouteGateways({ routes: [{ dst: '::/0', gw: 'fd00::1' }] }, [parseCidr('10.7.0.2/24')!], 'eth0'), 'routes[0].gw');
  });
  it('maskedDst clears host bits', () => {
    assert.equal(maskedDst(parseCidr('10.1.2.3/16')!), '10.1.0.0/16');
    assert.equal(maskedDst(parseCidr('2001:db8::5/32')!), '2001:db8::/32');
  });
});
