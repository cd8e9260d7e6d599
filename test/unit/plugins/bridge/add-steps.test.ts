import assert from 'node:assert/strict';
import { FAIL_AFTER_ENV } from '../../../../lib/cni';
import { ADD_STEPS, failPoint } from '../../../../plugins/bridge/add-steps';

describe('plugins/bridge/add-steps', () => {
  it('names the steps of ADD in order, and the hook fails after the one named', () => {
    assert.deepEqual([...ADD_STEPS], ['bridge', 'veth', 'port', 'macspoofchk', 'ipam', 'container-iface', 'gateway', 'ipmasq', 'port-ready']);
    failPoint({ [FAIL_AFTER_ENV]: 'ipam' }, 'veth');
    assert.throws(() => failPoint({ [FAIL_AFTER_ENV]: 'ipam' }, 'ipam'), /injected failure after step "ipam"/);
  });
});
