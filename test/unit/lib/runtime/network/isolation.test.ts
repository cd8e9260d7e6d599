import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NetworkError, NetworkStore, isolatedNetworks } from '../../../../../lib/runtime/network';

describe('lib/runtime/network/isolation', () => {
  let root: string;
  let store: NetworkStore;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-iso-'));
    store = new NetworkStore({ root, cniDir: path.join(root, 'cni') });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('every bridge network is isolated, the default bridge included; macvlan, host and none have no rules', () => {
    const a = store.create({ name: 'a', subnet: '10.50.0.0/24' });
    const i = store.create({ name: 'i', subnet: '10.51.0.0/24', internal: true, options: { 'com.docker.network.bridge.name': 'br-int' } });
    const o = store.create({ name: 'o', subnet: '10.52.0.0/24', options: { isolate: 'false' } });
    store.create({ name: 'm', driver: 'macvlan', subnet: '10.53.0.0/24', options: { parent: 'eth0' } });
    const bridge = store.get('bridge');
    assert.deepEqual(isolatedNetworks(store.list()), [
      { id: bridge.id, bridge: 'berth0', subnet: '10.87.0.0/16', internal: false, isolate: true },
      { id: a.id, bridge: `br-${a.id.slice(0, 12)}`, subnet: '10.50.0.0/24', internal: false, isolate: true },
      { id: i.id, bridge: 'br-int', subnet: '10.51.0.0/24', internal: true, isolate: true },
      { id: o.id, bridge: `br-${o.id.slice(0, 12)}`, subnet: '10.52.0.0/24', internal: false, isolate: false },
    ]);
  });

  it('isolate and enable_icc must be booleans; enable_icc=false is refused as unsupported, true is accepted', () => {
    const refused = (options: Record<string, string>, message: RegExp) => assert.throws(() => store.create({ name: 'x', options }), (err: unknown) => {
      assert.ok(err instanceof NetworkError && err.kind === 'invalid', String(err));
      assert.match(err.message, message);
      return true;
    });
    refused({ isolate: 'maybe' }, /^invalid value "maybe" for option isolate: expected true or false$/);
    refused({ 'com.docker.network.bridge.enable_icc': 'no' }, /option com\.docker\.network\.bridge\.enable_icc: expected true or false/);
    refused({ 'com.docker.network.bridge.enable_icc': 'false' }, /enable_icc=false is not supported/);
    assert.equal(store.create({ name: 'x', options: { 'com.docker.network.bridge.enable_icc': 'true', isolate: 'true' } }).name, 'x');
    assert.deepEqual(fs.readdirSync(path.join(root, 'networks')).filter((f) => f.endsWith('.json')).sort(), ['bridge.json', 'host.json', 'none.json', 'x.json']);
  });
});
