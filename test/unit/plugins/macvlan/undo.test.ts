import assert from 'node:assert/strict';
import { ADD_STEPS, FAIL_AFTER_ENV, UndoStack, failPoint } from '../../../../plugins/macvlan/undo';

describe('plugins/macvlan/undo', () => {
  it('runs the reverse actions newest first, each once', async () => {
    const order: string[] = [];
    const u = new UndoStack();
    u.push('a', () => order.push('a'));
    u.push('b', async () => order.push('b'));
    assert.deepEqual(await u.unwind(), []);
    assert.deepEqual(order, ['b', 'a']);
    assert.deepEqual(await u.unwind(), [], 'the stack is empty afterwards');
    assert.deepEqual(order, ['b', 'a']);
  });
  it('a failing action does not stop the others; its name is returned', async () => {
    const order: string[] = [];
    const u = new UndoStack();
    u.push('link', () => order.push('link'));
    u.push('ipam', () => { throw new Error('no'); });
    assert.deepEqual(await u.unwind(), ['ipam']);
    assert.deepEqual(order, ['link']);
  });
  it(`failPoint throws only for the step named in ${FAIL_AFTER_ENV}`, () => {
    assert.deepEqual([...ADD_STEPS], ['link', 'rename', 'ipam', 'configure']);
    failPoint({}, 'link');
    failPoint({ [FAIL_AFTER_ENV]: 'ipam' }, 'link');
    assert.throws(() => failPoint({ [FAIL_AFTER_ENV]: 'ipam' }, 'ipam'), /injected failure after step "ipam"/);
  });
});
