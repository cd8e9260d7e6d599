import assert from 'node:assert/strict';
import { networkConfList, NetworkError, type NetworkInfo } from '../../../../../lib/runtime/network';

const ID = 'a1b2c3d4e5f6'.padEnd(64, '0');
function net(over: Partial<NetworkInfo>): NetworkInfo {
  return { name: 'web', id: ID, driver: 'bridge', scope: 'local', created: '2024-01-02T03:04:05.123456789Z', internal: false, subnet: '10.88.0.0/16', gateway: '10.88.0.1', options: {}, labels: {}, builtin: false, ...over };
}

describe('lib/runtime/network/network-conflist', () => {
  it('bridge: br-<12 of id>, gateway, masquerade, host-local under <cniDir>/networks, default route', () => {
    const list = networkConfList(net({}), '/var/lib/cni');
    assert.equal(list.cniVersion, '1.1.0');
    assert.equal(list.name, 'web');
    assert.deepEqual(JSON.parse(list.bytes.toString()), {
      cniVersion: '1.1.0',
      name: 'web',
      plugins: [
        {
          type: 'bridge',
          bridge: 'br-a1b2c3d4e5f6',
          isGateway: true,
          ipMasq: true,
          hairpinMode: false,
          capabilities: { ips: true, mac: true },
          ipam: {
            type: 'host-local',
            dataDir: '/var/lib/cni/networks',
            ranges: [[{ subnet: '10.88.0.0/16', gateway: '10.88.0.1' }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
      ],
    });
  });

  it('bridge options: name, mtu, masquerade off; ip-range as rangeStart/End', () => {
    const list = networkConfList(
      net({
        subnet: '192.168.50.0/24',
        gateway: '192.168.50.254',
        ipRange: '192.168.50.128/25',
        options: { 'com.docker.network.bridge.name': 'mybr', 'com.docker.network.driver.mtu': '1400', 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
      }),
      '/tmp/cni',
    );
    const p = list.plugins[0] as Record<string, any>;
    assert.deepEqual([p.bridge, p.mtu, p.ipMasq], ['mybr', 1400, false]);
    assert.deepEqual(p.ipam.ranges, [[{ subnet: '192.168.50.0/24', gateway: '192.168.50.254', rangeStart: '192.168.50.128', rangeEnd: '192.168.50.254' }]]);
    const low = networkConfList(net({ subnet: '192.168.50.0/24', ipRange: '192.168.50.0/26', gateway: '192.168.50.1' }), '/c').plugins[0] as Record<string, any>;
    assert.deepEqual(low.ipam.ranges[0][0], { subnet: '192.168.50.0/24', gateway: '192.168.50.1', rangeStart: '192.168.50.1', rangeEnd: '192.168.50.63' });
  });

  it('internal bridge: no masquerade, no default route', () => {
    const p = networkConfList(net({ internal: true }), '/c').plugins[0] as Record<string, any>;
    assert.equal(p.ipMasq, false);
    assert.equal(p.ipam.routes, undefined);
  });

  it('macvlan: master and mode, no gateway route without a gateway, master unset without parent', () => {
    const withParent = networkConfList(net({ driver: 'macvlan', gateway: undefined, options: { parent: 'eth1', macvlan_mode: 'private' } }), '/c');
    assert.deepEqual(withParent.plugins[0], {
      type: 'macvlan',
      master: 'eth1',
      mode: 'private',
      capabilities: { ips: true, mac: true },
      ipam: { type: 'host-local', dataDir: '/c/networks', ranges: [[{ subnet: '10.88.0.0/16' }]] },
    });
    const p = networkConfList(net({ driver: 'macvlan', gateway: '10.88.0.254', options: {} }), '/c').plugins[0] as Record<string, any>;
    assert.equal('master' in p, false);
    assert.equal(p.mode, 'bridge');
    assert.deepEqual(p.ipam.routes, [{ dst: '0.0.0.0/0' }]);
    assert.equal(p.ipam.ranges[0][0].gateway, '10.88.0.254');
  });

  it('has nothing for host and null networks', () => {
    assert.throws(() => networkConfList(net({ name: 'host', driver: 'host', subnet: undefined }), '/c'), (e: unknown) => e instanceof NetworkError && /host driver/.test(e.message));
    assert.throws(() => networkConfList(net({ name: 'none', driver: 'null', subnet: undefined }), '/c'), NetworkError);
  });
});
