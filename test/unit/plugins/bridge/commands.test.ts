// The bridge's verbs behind the real dispatcher with an injected process boundary: what a runtime sees
// on stdout for the failures that need no privileges (config and environment problems).
import assert from 'node:assert/strict';
import { cmdAdd } from '../../../../plugins/bridge/add';
import { cmdCheck } from '../../../../plugins/bridge/check';
import { cmdDel } from '../../../../plugins/bridge/del';
import { cmdGc } from '../../../../plugins/bridge/gc';
import { cmdStatus } from '../../../../plugins/bridge/status';
import { dispatch, type DispatchOut } from '../../../helpers/unit-plugin';

const run = (env: Record<string, string>, conf: object): Promise<DispatchOut> =>
  dispatch({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus }, 'bridge', env, conf);

const base = { cniVersion: '1.1.0', name: 'net1', type: 'bridge' };

describe('plugins/bridge verbs through the dispatcher', () => {
  it('ADD with vlan 5000: code 7 naming the key, as JSON on stdout, no stack trace', async () => {
    const out = await run({ CNI_COMMAND: 'ADD' }, { ...base, vlan: 5000 });
    assert.equal(out.code, 1);
    assert.deepEqual(out.json, { cniVersion: '1.1.0', code: 7, msg: 'invalid config: /vlan: invalid VLAN ID 5000 (must be between 0 and 4094)' });
    assert.doesNotMatch(out.stdout, /\n\s+at /);
  });
  it('ADD with hairpin and promisc: code 7, before anything is touched', async () => {
    const out = await run({ CNI_COMMAND: 'ADD' }, { ...base, hairpinMode: true, promiscMode: true });
    assert.deepEqual([out.json.code, out.json.msg], [7, 'invalid config: /hairpinMode: cannot set hairpin mode and promiscuous mode at the same time']);
  });
  it('ADD with a CNI_NETNS that does not exist: code 4 naming CNI_NETNS', async () => {
    const out = await run({ CNI_COMMAND: 'ADD' }, base);
    assert.equal(out.json.code, 4);
    assert.match(out.json.msg, /^failed to open netns "\/run\/netns\/bt-none" \(CNI_NETNS\)/);
  });
  it('CHECK without prevResult in a missing netns: code 4 (the netns is checked first)', async () => {
    const out = await run({ CNI_COMMAND: 'CHECK' }, base);
    assert.equal(out.json.code, 4);
  });
  it('STATUS in L2 mode succeeds with nothing to delegate', async () => {
    const out = await run({ CNI_COMMAND: 'STATUS' }, base);
    assert.deepEqual([out.code, out.stdout], [0, '']);
  });
  it('STATUS forwards to the IPAM plugin (here: not found, code 7)', async () => {
    const out = await run({ CNI_COMMAND: 'STATUS' }, { ...base, ipam: { type: 'host-local' } });
    assert.equal(out.json.code, 7);
  });
  it('GC without a valid-attachments list in L2 mode removes nothing and succeeds', async () => {
    const out = await run({ CNI_COMMAND: 'GC' }, base);
    assert.deepEqual([out.code, out.stdout], [0, '']);
  });
});
