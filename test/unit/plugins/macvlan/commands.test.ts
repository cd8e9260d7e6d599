// The macvlan verbs behind the real dispatcher with an injected process boundary: what a runtime sees
// on stdout for what needs no privileges (config and environment problems, DEL without a netns, GC,
// and STATUS, which only reads links of the test's own netns).
import assert from 'node:assert/strict';
import { cmdAdd } from '../../../../plugins/macvlan/add';
import { cmdCheck } from '../../../../plugins/macvlan/check';
import { cmdDel } from '../../../../plugins/macvlan/del';
import { cmdGc } from '../../../../plugins/macvlan/gc';
import { cmdStatus } from '../../../../plugins/macvlan/status';
import { dispatch, type DispatchOut } from '../../../helpers/unit-plugin';
import { skipUnlessHost } from '../../../helpers/skip';

const run = (env: Record<string, string>, conf: object): Promise<DispatchOut> =>
  dispatch({ add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus }, 'macvlan', env, conf);

const base = { cniVersion: '1.1.0', name: 'net1', type: 'macvlan', master: 'lo' };
/** A link name no test machine has. */
const NO_LINK = 'bt-nolink0';

describe('plugins/macvlan verbs through the dispatcher', () => {
  it('ADD with an unknown mode: code 7 naming the key, as JSON on stdout, no stack trace', async () => {
    const out = await run({ CNI_COMMAND: 'ADD' }, { ...base, mode: 'shared' });
    assert.equal(out.code, 1);
    assert.deepEqual(out.json, { cniVersion: '1.1.0', code: 7, msg: 'invalid config: /mode: unknown macvlan mode "shared" (must be bridge, private, vepa, passthru, source)' });
    assert.doesNotMatch(out.stdout, /\n\s+at /);
  });
  it('ADD with a master "../x": code 7 before the netns is opened', async () => {
    const out = await run({ CNI_COMMAND: 'ADD' }, { ...base, master: '../x' });
    assert.deepEqual([out.json.code, out.json.msg.startsWith('invalid config: /master: ')], [7, true]);
  });
  it('ADD with a CNI_NETNS that does not exist: code 4 naming CNI_NETNS', async () => {
    const out = await run({ CNI_COMMAND: 'ADD' }, base);
    assert.equal(out.json.code, 4);
    assert.match(out.json.msg, /^failed to open netns "\/run\/netns\/bt-none" \(CNI_NETNS\)/);
  });
  it('CHECK on a 0.3.1 config: code 1 (CHECK needs 0.4.0)', async () => {
    const out = await run({ CNI_COMMAND: 'CHECK' }, { ...base, cniVersion: '0.3.1' });
    assert.equal(out.json.code, 1);
  });
  it('DEL with an empty CNI_NETNS, or one that is gone, succeeds (L2: nothing else to do)', async () => {
    assert.deepEqual((await run({ CNI_COMMAND: 'DEL', CNI_NETNS: '' }, base)).code, 0);
    assert.deepEqual((await run({ CNI_COMMAND: 'DEL' }, base)).code, 0);
  });
  it('DEL reads nothing but ipam: a config that no longer validates is still deleted', async () => {
    const out = await run({ CNI_COMMAND: 'DEL', CNI_NETNS: '', CNI_ARGS: 'garbage' }, { ...base, mode: 'bogus', mtu: -1, master: NO_LINK });
    assert.deepEqual([out.code, out.stdout], [0, '']);
  });
  it('DEL in L3 mode releases through the IPAM plugin, which must be found (here: code 7)', async () => {
    const out = await run({ CNI_COMMAND: 'DEL', CNI_NETNS: '' }, { ...base, ipam: { type: 'host-local' } });
    assert.equal(out.json.code, 7);
    assert.match(out.json.msg, /failed to find plugin "host-local"/);
  });
  it('GC in L2 mode has nothing to collect', async () => {
    const out = await run({ CNI_COMMAND: 'GC' }, { ...base, 'cni.dev/valid-attachments': [] });
    assert.deepEqual([out.code, out.stdout], [0, '']);
  });
  it('STATUS with the master lo: 50, lo cannot carry a macvlan', async () => {
    const out = await run({ CNI_COMMAND: 'STATUS' }, base);
    assert.deepEqual(out.json, { cniVersion: '1.1.0', code: 50, msg: 'master "lo" cannot carry a macvlan: it is the loopback device (a macvlan needs an Ethernet device)' });
  });
  it('STATUS without a master takes the default route\'s interface, and succeeds in L2 mode', async function () {
    const out = await run({ CNI_COMMAND: 'STATUS' }, { ...base, master: undefined });
    skipUnlessHost(this, !(out.json?.code === 50 && /no default route/.test(out.json.msg)), 'this machine has no default route');
    assert.deepEqual([out.code, out.stdout], [0, '']);
  });
  it('STATUS with the master missing: code 50 naming it', async () => {
    const out = await run({ CNI_COMMAND: 'STATUS' }, { ...base, master: NO_LINK });
    assert.deepEqual(out.json, { cniVersion: '1.1.0', code: 50, msg: `master "${NO_LINK}" not found in the host network namespace` });
  });
  it('STATUS with linkInContainer cannot see the master (no netns): only the IPAM is asked', async () => {
    const out = await run({ CNI_COMMAND: 'STATUS' }, { ...base, master: NO_LINK, linkInContainer: true });
    assert.equal(out.code, 0);
  });
  it('STATUS forwards to the IPAM plugin (here: not found, code 7)', async () => {
    const out = await run({ CNI_COMMAND: 'STATUS' }, { ...base, master: undefined, ipam: { type: 'host-local' } });
    if (out.json?.code === 50 && /no default route/.test(out.json.msg)) return; // a machine without one
    assert.equal(out.json.code, 7);
  });
  it('STATUS with a bad config is code 7, not 50', async () => {
    const out = await run({ CNI_COMMAND: 'STATUS' }, { ...base, mtu: 10 });
    assert.equal(out.json.code, 7);
  });
});
