import assert from 'node:assert/strict';
import { publishedPorts, type CreateRequest } from '../../../../../lib/runtime/container/create';

const req = (extra: Partial<CreateRequest>): CreateRequest => ({
  image: 'i', name: 'n', command: [], env: [], network: { kind: 'network', name: 'bridge' }, mounts: [], resources: {}, autoRemove: false, ...extra,
});

describe('lib/runtime/container/create publishedPorts', () => {
  it('exposes the image\'s, --expose\'s and the published ports once each, sorted; -P binds the unbound ones ephemerally', () => {
    const r = req({
      ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPorts: [8080, 8080] }],
      exposedPorts: [{ port: 53, protocol: 'udp' }, { port: 80, protocol: 'tcp' }],
      publishAll: true,
    });
    const out = publishedPorts(r, r.network, { '443/tcp': {}, '80/tcp': {}, 'junk': {} });
    assert.deepEqual(out.exposedPorts, [{ port: 53, protocol: 'udp' }, { port: 80, protocol: 'tcp' }, { port: 443, protocol: 'tcp' }]);
    assert.deepEqual(out.ports, [
      { containerPort: 80, protocol: 'tcp', hostIp: '', hostPorts: [8080, 8080] },
      { containerPort: 53, protocol: 'udp', hostIp: '', hostPorts: [0, 0] },
      { containerPort: 443, protocol: 'tcp', hostIp: '', hostPorts: [0, 0] },
    ]);
  });

  it('keeps the exposed ports but drops the bindings where there is nothing to map to (host, none)', () => {
    for (const network of [{ kind: 'host' }, { kind: 'none' }] as const) {
      const r = req({ network, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPorts: [0, 0] }] });
      assert.deepEqual(publishedPorts(r, network, undefined), { exposedPorts: [{ port: 80, protocol: 'tcp' }] });
    }
    assert.deepEqual(publishedPorts(req({}), { kind: 'network', name: 'bridge' }, undefined), {});
  });
});
