import assert from 'node:assert/strict';
import { loadOverlayConfig } from '../../../../plugins/overlay/config';
import { bridgeConfFor, delegateStdin, gatewayOf } from '../../../../plugins/overlay/delegate-conf';
import { confOf } from '../../../helpers/unit-plugin';

const LEASE = { name: 'net1', network: '10.244.0.0/16', subnet: '10.244.3.0/24', mtu: 1450, vni: 7, bridge: 'ovbr7' };

describe('plugins/overlay/delegate-conf', () => {
  it('the bridge + host-local config of a lease (golden)', () => {
    const raw = confOf('overlay', { dataDir: '/d', hairpinMode: true });
    assert.deepEqual(bridgeConfFor(loadOverlayConfig(raw), LEASE, raw), {
      cniVersion: '1.0.0',
      name: 'net1',
      type: 'bridge',
      bridge: 'ovbr7',
      isGateway: true,
      isDefaultGateway: true,
      ipMasq: false,
      hairpinMode: true,
      mtu: 1450,
      ipam: { type: 'host-local', dataDir: '/d', ranges: [[{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }]], routes: [{ dst: '10.244.0.0/16' }] },
    });
  });

  it('a dual-stack lease: a second range set (the IPv6 subnet, gateway ::1) and a route to the IPv6 cluster CIDR', () => {
    const raw = confOf('overlay', { dataDir: '/d' });
    const dual = { ...LEASE, ipv6Network: 'fd00:10:244::/48', ipv6Subnet: 'fd00:10:244:3::/64' };
    assert.deepEqual(bridgeConfFor(loadOverlayConfig(raw), dual, raw).ipam, {
      type: 'host-local', dataDir: '/d',
      ranges: [[{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }], [{ subnet: 'fd00:10:244:3::/64', gateway: 'fd00:10:244:3::1' }]],
      routes: [{ dst: '10.244.0.0/16' }, { dst: 'fd00:10:244::/48' }],
    });
  });

  it('dns, runtimeConfig (ips, mac), args and capabilities reach the delegate; our own keys do not', () => {
    const extra = { dns: { nameservers: ['10.0.0.1'] }, runtimeConfig: { mac: '0a:58:00:00:00:01', ips: ['10.244.3.9/24'] }, args: { cni: { x: 1 } }, capabilities: { mac: true }, runDir: '/r', ipMasq: true };
    const raw = confOf('overlay', extra);
    const out = bridgeConfFor(loadOverlayConfig(raw), LEASE, raw);
    assert.deepEqual([out.dns, out.runtimeConfig, out.args, out.capabilities], [extra.dns, extra.runtimeConfig, extra.args, extra.capabilities]);
    assert.equal(out.runDir, undefined);
    assert.equal(out.ipMasq, false, 'the bridge never masquerades: the overlay plugin does, without the cluster CIDR');
  });

  it('the gateway is the subnet\'s first address, in either family', () => {
    assert.equal(gatewayOf('10.244.3.0/24'), '10.244.3.1');
    assert.equal(gatewayOf('fd00:0:0:3::/64'), 'fd00:0:0:3::1');
  });

  it('delegateStdin: the call\'s version and its prevResult as it came (not converted)', () => {
    const raw = confOf('overlay');
    const conf = bridgeConfFor(loadOverlayConfig(raw), LEASE, raw);
    const prev = { cniVersion: '0.3.1', ips: [{ version: '4', address: '10.244.3.2/24' }] };
    const stdin = JSON.parse(delegateStdin({ ...conf, prevResult: { cniVersion: 'x' } }, '0.4.0', Buffer.from(JSON.stringify({ prevResult: prev }))));
    assert.equal(stdin.cniVersion, '0.4.0');
    assert.deepEqual(stdin.prevResult, prev);
    const none = JSON.parse(delegateStdin({ ...conf, prevResult: { cniVersion: 'x' } }, '1.1.0', Buffer.from('{}')));
    assert.equal('prevResult' in none, false);
  });
});
