import assert from 'node:assert/strict';
import { UndoStack } from '../../../../lib/util/undo-stack';

describe('lib/util/undo-stack', () => {
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
});
