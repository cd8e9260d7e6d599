import assert from 'node:assert/strict';
import type { CachedAttachment } from '../../../../../lib/cni/runtime';
import { dockerNetworkInspect, endpointId, type NetworkInfo } from '../../../../../lib/runtime/network';

const NET_ID = 'f'.repeat(64);
const C1 = '1'.repeat(64);
const C2 = '2'.repeat(64);
const BRIDGE: NetworkInfo = {
  name: 'bridge',
  id: NET_ID,
  driver: 'bridge',
  scope: 'local',
  created: '2024-05-02T07:27:48.1669918Z',
  internal: false,
  subnet: '10.87.0.0/16',
  gateway: '10.87.0.1',
  options: {
    'com.docker.network.bridge.default_bridge': 'true',
    'com.docker.network.bridge.enable_icc': 'true',
    'com.docker.network.bridge.enable_ip_masquerade': 'true',
    'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
    'com.docker.network.bridge.name': 'berth0',
    'com.docker.network.driver.mtu': '1500',
  },
  labels: {},
  builtin: true,
};

function att(cid: string, over: Partial<CachedAttachment> = {}): CachedAttachment {
  return {
    containerId: cid,
    ifName: 'eth0',
    networkName: 'bridge',
    netns: `/run/berth/netns/${cid}`,
    config: Buffer.from('{}'),
    result: {
      cniVersion: '1.1.0',
      interfaces: [
        { name: 'berth0', mac: '02:42:0a:57:00:01' },
        { name: 'veth1234', mac: '5e:00:00:00:00:01' },
        { name: 'eth0', mac: '02:42:0a:57:00:02', sandbox: `/run/berth/netns/${cid}` },
      ],
      ips: [
        { address: '10.87.0.2/16', gateway: '10.87.0.1', interface: 2 },
        { address: 'fd00::2/64', interface: 2 },
        { address: '10.87.9.9/16', interface: 0 },
      ],
    },
    ...over,
  };
}

describe('lib/runtime/network/docker-inspect', () => {
  it("matches Docker's shape for the default bridge (golden)", () => {
    const out = dockerNetworkInspect(BRIDGE, [att(C2, { result: undefined }), att(C1), att('3'.repeat(64), { networkName: 'other' })], (id) =>
      id === C1 ? 'web' : undefined,
    );
    assert.equal(
      JSON.stringify(out),
      JSON.stringify({
        Name: 'bridge',
        Id: NET_ID,
        Created: '2024-05-02T07:27:48.1669918Z',
        Scope: 'local',
        Driver: 'bridge',
        EnableIPv6: false,
        IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.87.0.0/16', Gateway: '10.87.0.1' }] },
        Internal: false,
        Attachable: false,
        Ingress: false,
        ConfigFrom: { Network: '' },
        ConfigOnly: false,
        Containers: {
          [C1]: { Name: 'web', EndpointID: endpointId(NET_ID, C1, 'eth0'), MacAddress: '02:42:0a:57:00:02', IPv4Address: '10.87.0.2/16', IPv6Address: 'fd00::2/64' },
          [C2]: { Name: '', EndpointID: endpointId(NET_ID, C2, 'eth0'), MacAddress: '', IPv4Address: '', IPv6Address: '' },
        },
        Options: BRIDGE.options,
        Labels: {},
      }),
    );
  });

  it('endpoint ids are 64 hex, stable, distinct per attachment', () => {
    assert.match(endpointId(NET_ID, C1, 'eth0'), /^[0-9a-f]{64}$/);
    assert.equal(endpointId(NET_ID, C1, 'eth0'), endpointId(NET_ID, C1, 'eth0'));
    assert.notEqual(endpointId(NET_ID, C1, 'eth0'), endpointId(NET_ID, C1, 'eth1'));
  });

  it('user networks: IPAM Options {}, IPRange shown; host/none: empty Config; IPAM-only results', () => {
    const user: NetworkInfo = { ...BRIDGE, name: 'app', builtin: false, ipRange: '10.87.1.0/24', options: {}, labels: { team: 'x' } };
    const ipamOnly = att(C1, { networkName: 'app', result: { cniVersion: '1.1.0', ips: [{ address: '10.87.1.5/16' }] } });
    const out = dockerNetworkInspect(user, [ipamOnly], () => 'c');
    assert.deepEqual(out.IPAM, { Driver: 'default', Options: {}, Config: [{ Subnet: '10.87.0.0/16', IPRange: '10.87.1.0/24', Gateway: '10.87.0.1' }] });
    assert.deepEqual(out.Labels, { team: 'x' });
    assert.equal(out.Containers[C1]!.IPv4Address, '10.87.1.5/16');
    const host = dockerNetworkInspect({ ...BRIDGE, name: 'host', driver: 'host', subnet: undefined, gateway: undefined, options: {} }, [], () => undefined);
    assert.deepEqual([host.Driver, host.IPAM.Config, host.Containers], ['host', [], {}]);
  });
});
