import assert from 'node:assert/strict';
import { AgentTimers } from '../../../../cmd/berthd/agent-timers';
import { NotYet, backoff, retryUntilStopped } from '../../../../cmd/berthd/retry';
import { createLogger } from '../../../../lib/log';

const log = createLogger({}, { BERTH_LOG_LEVEL: 'silent' });

describe('berthd: timers and retry', () => {
  it('backoff: 250 ms doubling to 5 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 100].map(backoff), [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('retries until it succeeds, telling the store health of each try (a NotYet is no store failure)', async () => {
    const timers = new AgentTimers(log);
    const health: Array<[boolean, string | undefined]> = [];
    let n = 0;
    const v = await retryUntilStopped(timers, log, 'try', async () => {
      n++;
      if (n === 1) throw new Error('ECONNREFUSED');
      if (n === 2) throw new NotYet('no config yet');
      return 'done';
    }, (ok, err) => health.push([ok, err?.message]));
    assert.equal(v, 'done');
    assert.deepEqual(health, [[false, 'ECONNREFUSED'], [true, undefined], [true, undefined]]);
  });

  it('stop wakes a retry\'s sleep: it ends at once with undefined', async () => {
    const timers = new AgentTimers(log);
    const started = Date.now();
    const run = retryUntilStopped(timers, log, 'fail', async () => { throw new Error('no'); });
    await new Promise((r) => setTimeout(r, 20));
    timers.stop();
    assert.equal(await run, undefined);
    assert.ok(Date.now() - started < 200, 'did not sleep out the 250 ms');
  });

  it('a timer cancelled or pending at stop never runs; settled waits for one running', async () => {
    const timers = new AgentTimers(log);
    const ran: string[] = [];
    let finish!: () => void;
    timers.after(0, async () => { ran.push('running'); await new Promise<void>((r) => { finish = r; }); ran.push('finished'); });
    const cancel = timers.after(0, async () => { ran.push('cancelled'); });
    cancel();
    timers.after(10_000, async () => { ran.push('pending'); });
    await new Promise((r) => setTimeout(r, 10));
    timers.stop();
    timers.after(0, async () => { ran.push('after stop'); });
    const settled = timers.settled();
    finish();
    await settled;
    assert.deepEqual(ran, ['running', 'finished']);
  });
});
