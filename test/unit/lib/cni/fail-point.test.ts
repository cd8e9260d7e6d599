import assert from 'node:assert/strict';
import { FAIL_AFTER_ENV, failPointFor } from '../../../../lib/cni/fail-point';

describe('lib/cni/fail-point', () => {
  it('failPoint throws only for the named step, and says it is the test hook', () => {
    const failPoint = failPointFor(['veth', 'ipam']);
    const env = { [FAIL_AFTER_ENV]: 'ipam' };
    assert.doesNotThrow(() => failPoint(env, 'veth'));
    assert.throws(() => failPoint(env, 'ipam'), /injected failure after step "ipam" \(BERTH_TEST_FAIL_AFTER is a test-only hook\)/);
    assert.doesNotThrow(() => failPoint({}, 'ipam'));
  });
});
