import assert from 'node:assert/strict';
import { FAIL_AFTER_ENV, UndoStack, failPointFor } from '../../../../lib/cni/undo-stack';

describe('lib/cni/undo-stack', () => {
  it('unwinds newest first, runs every action even when one fails, and empties itself', async () => {
    const ran: string[] = [];
    const u = new UndoStack();
    u.push('a', () => ran.push('a'));
    u.push('b', () => { throw new Error('b failed'); });
    u.push('c', async () => { ran.push('c'); });
    assert.deepEqual(await u.unwind(), ['b']);
    assert.deepEqual(ran, ['c', 'a']);
    assert.deepEqual(await u.unwind(), []);
    assert.deepEqual(ran, ['c', 'a'], 'each action runs once');
  });
  it('failPoint throws only for the named step, and says it is the test hook', () => {
    const failPoint = failPointFor(['veth', 'ipam']);
    const env = { [FAIL_AFTER_ENV]: 'ipam' };
    assert.doesNotThrow(() => failPoint(env, 'veth'));
    assert.throws(() => failPoint(env, 'ipam'), /injected failure after step "ipam" \(BERTH_TEST_FAIL_AFTER is a test-only hook\)/);
    assert.doesNotThrow(() => failPoint({}, 'ipam'));
  });
});
