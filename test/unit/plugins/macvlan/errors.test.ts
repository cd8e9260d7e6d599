import assert from 'node:assert/strict';
import { CniError } from '../../../../lib/cni';
import { MacvlanCode, checkFailed, toMacvlanError } from '../../../../plugins/macvlan/errors';
import { InterfaceExistsError, MacInUseError } from '../../../../plugins/macvlan/link';
import { MasterNotFoundError, NoDefaultRouteError, checkMtu, isMasterMissing } from '../../../../plugins/macvlan/master';

const code = (err: unknown): number | undefined => (err instanceof CniError ? err.code : undefined);

describe('plugins/macvlan/errors', () => {
  describe('a missing master: one domain error, a code per verb', () => {
    const missing = new MasterNotFoundError('eth9', 'host');
    it('ADD: code 7 naming /master (the config names a link this host lacks)', () => {
      const e = toMacvlanError(missing, 'ADD') as CniError;
      assert.deepEqual([e.code, e.message], [7, 'invalid config: /master: master "eth9" not found in the host network namespace']);
    });
    it('CHECK: code 114 (the attachment is not healthy)', () => assert.equal(code(toMacvlanError(missing, 'CHECK')), MacvlanCode.CheckFailed));
    it('STATUS: code 50 (cannot serve ADD)', () => assert.equal(code(toMacvlanError(missing, 'STATUS')), 50));
    it('no default route is the same condition', () => {
      const e = toMacvlanError(new NoDefaultRouteError('container'), 'ADD') as CniError;
      assert.deepEqual([e.code, e.message], [7, 'invalid config: /master: no master given and no default route interface found in the container network namespace']);
      assert.equal(code(toMacvlanError(new NoDefaultRouteError('host'), 'STATUS')), 50);
    });
    it('isMasterMissing recognises both by name (bundle copies agree)', () => {
      assert.equal(isMasterMissing(missing), true);
      assert.equal(isMasterMissing(Object.assign(new Error('x'), { name: 'NoDefaultRouteError' })), true);
      assert.equal(isMasterMissing(new Error('x')), false);
    });
  });

  it('an existing CNI_IFNAME is 110, a MAC taken on the master is 116', () => {
    assert.equal(code(toMacvlanError(new InterfaceExistsError('eth0'), 'ADD')), 110);
    assert.equal(code(toMacvlanError(new MacInUseError('0a:58:00:00:00:01', 'm0'), 'ADD')), 116);
  });
  it('anything else passes through for the dispatcher to map', () => {
    const e = new Error('boom');
    assert.equal(toMacvlanError(e, 'ADD'), e);
    assert.equal(toMacvlanError('text', 'ADD'), 'text');
  });
  it('checkFailed is code 114', () => assert.equal(checkFailed('x').code, 114));

  describe('checkMtu: [0, master MTU], code 7 naming /mtu', () => {
    const master = { name: 'm0', mtu: 1500 } as Parameters<typeof checkMtu>[1];
    it('accepts 0 and the master MTU', () => {
      checkMtu({ mtu: 0 }, master);
      checkMtu({ mtu: 1500 }, master);
    });
    it('refuses more, with the reference wording', () => {
      assert.throws(() => checkMtu({ mtu: 1501 }, master), (err: unknown) =>
        code(err) === 7 && /^invalid config: \/mtu: invalid MTU 1501, must be \[0, master MTU\(1500\)\] \(master "m0"\)$/.test((err as Error).message));
    });
  });
});
