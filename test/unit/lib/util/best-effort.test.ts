import assert from 'node:assert/strict';
import { BestEffort } from '../../../../lib/util/best-effort';

describe('lib/util/best-effort', () => {
  const several = (errors: unknown[]) => new AggregateError(errors, `${errors.length} steps failed`);

  it('runs every step after a failure and throws the one failure as it is', async () => {
    const ran: string[] = [];
    const steps = new BestEffort();
    const boom = new Error('a failed');
    await steps.attempt(() => { throw boom; });
    assert.equal(steps.ok, false);
    await steps.attempt(async () => { ran.push('b'); });
    steps.attemptSync(() => { ran.push('c'); });
    assert.deepEqual(ran, ['b', 'c']);
    assert.throws(() => steps.throwIfFailed(several), (err) => err === boom);
  });
  it('makes one error of several, in the order they failed, and returns when none failed', async () => {
    const steps = new BestEffort();
    steps.throwIfFailed(several);
    await steps.attempt(async () => { throw new Error('a'); });
    steps.attemptSync(() => { throw new Error('b'); });
    assert.throws(() => steps.throwIfFailed(several), (err: AggregateError) =>
      err.message === '2 steps failed' && err.errors.map((e: Error) => e.message).join() === 'a,b');
  });
  it('counts a failure the step\'s ignore accepts as done', async () => {
    const steps = new BestEffort();
    const gone = Object.assign(new Error('gone'), { code: 'ENOENT' });
    await steps.attempt(() => { throw gone; }, (err) => (err as { code?: string }).code === 'ENOENT');
    steps.attemptSync(() => { throw gone; }, (err) => (err as { code?: string }).code === 'ENOENT');
    assert.equal(steps.ok, true);
    steps.attemptSync(() => { throw new Error('real'); }, (err) => (err as { code?: string }).code === 'ENOENT');
    assert.deepEqual(steps.errors.map((e) => (e as Error).message), ['real']);
  });
});
