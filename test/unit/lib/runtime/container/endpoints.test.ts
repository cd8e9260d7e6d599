import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialState } from '../../../../../lib/runtime/container/create';
import { nextIfName, readEndpoints, writeEndpoints } from '../../../../../lib/runtime/container/endpoints';
import { ContainerStore } from '../../../../../lib/runtime/container/store';
import type { ContainerConfig } from '../../../../../lib/runtime/container/types';

const ID = 'c'.repeat(64);
const config: ContainerConfig = {
  id: ID, name: 'one', image: 'busybox', imageId: 'f'.repeat(64), command: ['true'], env: [], workingDir: '/', hostname: 'h',
  network: { kind: 'network', name: 'net1' }, mounts: [], resources: {}, autoRemove: false, created: '2026-01-01T00:00:00Z',
};
const att = (network: string, ifName: string, ipv4: string) => ({ network, ifName, ipv4 });

describe('lib/runtime/container/endpoints', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'berth-ep-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('picks the lowest free ethN, eth0 included once the first network was disconnected', () => {
    const ep = (...names: string[]) => ({ connected: names.map((ifName) => ({ network: ifName, networkId: '', ifName })) });
    assert.equal(nextIfName(ep(), 'eth0'), 'eth1');
    assert.equal(nextIfName(ep('eth1', 'eth3'), 'eth0'), 'eth2');
    assert.equal(nextIfName(ep('eth1'), undefined), 'eth0');
  });

  it('reads an absent, torn or foreign file as nothing connected, and drops entries of the wrong shape', async () => {
    assert.deepEqual(readEndpoints(root), { connected: [] });
    writeFileSync(join(root, 'networks.json'), '{"connected": [');
    assert.deepEqual(readEndpoints(root), { connected: [] });
    writeFileSync(join(root, 'networks.json'), JSON.stringify({ primaryDetached: 'yes', connected: [null, { network: 'n', networkId: 'i', ifName: '../x' }, { network: 'n', networkId: 'i', ifName: 'eth2' }] }));
    assert.deepEqual(readEndpoints(root), { connected: [{ network: 'n', networkId: 'i', ifName: 'eth2' }] });
    writeFileSync(join(root, 'networks.json'), 'null');
    assert.deepEqual(readEndpoints(root), { connected: [] });
  });

  it('the store shows eth0 from the state and the connected networks from networks.json', async () => {
    const store = new ContainerStore(root);
    await store.create(config, initialState());
    const dir = store.containerDir(ID);
    // The supervisor's copy of the state may still hold an attachment that was disconnected since.
    await store.saveState(ID, { ...initialState(), status: 'running', attachments: [att('net1', 'eth0', '10.0.1.2/24'), att('old', 'eth1', '10.0.9.2/24')] });
    assert.deepEqual((await store.load(ID))!.state.attachments.map((a) => a.network), ['net1', 'old'], 'no networks.json: the state as it is');
    await writeEndpoints(dir, { connected: [{ network: 'net2', networkId: 'i2', ifName: 'eth2', attachment: att('net2', 'eth2', '10.0.2.2/24') }, { network: 'net3', networkId: 'i3', ifName: 'eth1' }] });
    assert.deepEqual((await store.load(ID))!.state.attachments, [att('net1', 'eth0', '10.0.1.2/24'), att('net2', 'eth2', '10.0.2.2/24')]);
    await writeEndpoints(dir, { primaryDetached: true, connected: [] });
    assert.deepEqual((await store.load(ID))!.state.attachments, []);
  });
});
