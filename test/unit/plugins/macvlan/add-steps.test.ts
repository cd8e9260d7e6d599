import assert from 'node:assert/strict';
import { FAIL_AFTER_ENV } from '../../../../lib/cni';
import { ADD_STEPS, failPoint } from '../../../../plugins/macvlan/add-steps';

describe('plugins/macvlan/add-steps', () => {
  it('names the steps of ADD in order, and the hook fails after the one named', () => {
    assert.deepEqual([...ADD_STEPS], ['link', 'rename', 'ipam', 'configure']);
    failPoint({ [FAIL_AFTER_ENV]: 'ipam' }, 'link');
    assert.throws(() => failPoint({ [FAIL_AFTER_ENV]: 'ipam' }, 'ipam'), /injected failure after step "ipam"/);
  });
});
