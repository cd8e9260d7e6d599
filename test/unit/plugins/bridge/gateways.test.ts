import assert from 'node:assert/strict';
import { formatResultAddresses, parseResultAddresses, type Result } from '../../../../lib/cni';
import { formatCidr } from '../../../../lib/ip';
import { calcGateways as calcParsed } from '../../../../plugins/bridge/gateways';

/** calcGateways over results in their wire (text) form, for readable fixtures. */
function calcGateways(ipam: Result, conf: Parameters<typeof calcParsed>[1]) {
  const { result, gateways } = calcParsed(parseResultAddresses(ipam), conf);
  return { result: formatResultAddresses(result), gateways: gateways.map((g) => ({ family: g.family, cidr: formatCidr(g.cidr) })) };
}

const gw = { isGateway: true, isDefaultGateway: false };
const dgw = { isGateway: true, isDefaultGateway: true };
const none = { isGateway: false, isDefaultGateway: false };

describe('plugins/bridge/gateways (calcGateways)', () => {
  it('points every address at the container interface (index 2)', () => {
    const { result } = calcGateways({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }, { address: 'fd00::5/64' }] }, none);
    assert.deepEqual(result.ips!.map((i) => i.interface), [2, 2]);
  });
  it('isGateway: a missing gateway is the subnet address + 1, and goes on the bridge with the prefix length', () => {
    const { result, gateways } = calcGateways({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }, { address: 'fd00:1::5/64' }] }, gw);
    assert.deepEqual(result.ips!.map((i) => i.gateway), ['10.1.0.1', 'fd00:1::1']);
    assert.deepEqual(gateways, [{ family: 4, cidr: '10.1.0.1/24' }, { family: 6, cidr: 'fd00:1::1/64' }]);
    assert.equal(result.routes, undefined);
  });
  it('keeps the gateway IPAM gave', () => {
    const { gateways } = calcGateways({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/16', gateway: '10.1.9.9' }] }, gw);
    assert.deepEqual(gateways, [{ family: 4, cidr: '10.1.9.9/16' }]);
  });
  it('without isGateway nothing goes on the bridge', () => {
    assert.deepEqual(calcGateways({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24', gateway: '10.1.0.1' }] }, none).gateways, []);
  });
  it('isDefaultGateway: one default route per family via its gateway', () => {
    const { result } = calcGateways({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }, { address: '10.2.0.5/24' }, { address: 'fd00::5/64' }] }, dgw);
    assert.deepEqual(result.routes, [{ dst: '0.0.0.0/0', gw: '10.1.0.1' }, { dst: '::/0', gw: 'fd00::1' }]);
  });
  it('isDefaultGateway: an IPAM default route with a gw is kept and none is added; one without a gw does not count', () => {
    const withGw = calcGateways({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }], routes: [{ dst: '0.0.0.0/0', gw: '10.1.0.254' }] }, dgw);
    assert.deepEqual(withGw.result.routes, [{ dst: '0.0.0.0/0', gw: '10.1.0.254' }]);
    const noGw = calcGateways({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }], routes: [{ dst: '0.0.0.0/0' }] }, dgw);
    assert.deepEqual(noGw.result.routes, [{ dst: '0.0.0.0/0' }, { dst: '0.0.0.0/0', gw: '10.1.0.1' }]);
  });
  it('does not modify the IPAM result it was given', () => {
    const ipam = parseResultAddresses({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/24' }], routes: [] });
    const before = structuredClone(ipam);
    calcParsed(ipam, dgw);
    assert.deepEqual(ipam, before);
  });
});
