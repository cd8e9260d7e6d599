import assert from 'node:assert/strict';
import {
  BACKOFF, ContainerError, nextRestartDelay, parseRestartPolicy, shouldRestart, shouldStartAtBoot,
} from '../../../../../lib/runtime/container';

const facts = (exitCode: number, restartCount = 0, manuallyStopped = false) => ({ exitCode, restartCount, manuallyStopped });

describe('lib/runtime/container/restart-policy', () => {
  it('parses Docker\'s values; an empty value is "no"', () => {
    assert.deepEqual(parseRestartPolicy(''), { name: 'no', maximumRetryCount: 0 });
    assert.deepEqual(parseRestartPolicy('on-failure:+2'), { name: 'on-failure', maximumRetryCount: 2 });
    assert.deepEqual(parseRestartPolicy('on-failure:0'), { name: 'on-failure', maximumRetryCount: 0 });
    assert.deepEqual(parseRestartPolicy('always:0'), { name: 'always', maximumRetryCount: 0 });
  });

  it('refuses with Docker\'s texts, as invalid ContainerErrors', () => {
    for (const [text, message] of [
      [':', 'invalid restart policy format: no policy provided before colon'],
      ['on-failure:1.5', 'invalid restart policy format: maximum retry count must be an integer'],
      ['On-Failure', "invalid restart policy: unknown policy 'On-Failure'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"],
      ['unless-stopped:1', "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
      ['always:-3', "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative"],
      ['on-failure:-3', 'invalid restart policy: maximum retry count cannot be negative'],
    ] as const) {
      assert.throws(() => parseRestartPolicy(text), (err: unknown) => err instanceof ContainerError && err.kind === 'invalid' && err.message === message, text);
    }
  });

  it('decides as moby\'s restart manager: a manual stop ends every policy; on-failure counts', () => {
    const always = parseRestartPolicy('always');
    const unless = parseRestartPolicy('unless-stopped');
    const onFailure2 = parseRestartPolicy('on-failure:2');
    const onFailure = parseRestartPolicy('on-failure');
    assert.equal(shouldRestart(parseRestartPolicy('no'), facts(1)), false);
    assert.equal(shouldRestart(always, facts(0)), true);
    assert.equal(shouldRestart(unless, facts(0, 100)), true);
    assert.equal(shouldRestart(always, facts(137, 0, true)), false);
    assert.equal(shouldRestart(unless, facts(137, 0, true)), false);
    assert.equal(shouldRestart(onFailure2, facts(0)), false);
    assert.equal(shouldRestart(onFailure2, facts(1, 0)), true);
    assert.equal(shouldRestart(onFailure2, facts(1, 1)), true);
    assert.equal(shouldRestart(onFailure2, facts(1, 2)), false);
    assert.equal(shouldRestart(onFailure, facts(1, 1000)), true);
  });

  it('at boot: always even after a manual stop, unless-stopped only without one, no never', () => {
    assert.equal(shouldStartAtBoot(parseRestartPolicy('always'), facts(137, 0, true)), true);
    assert.equal(shouldStartAtBoot(parseRestartPolicy('unless-stopped'), facts(137, 0, true)), false);
    assert.equal(shouldStartAtBoot(parseRestartPolicy('unless-stopped'), facts(0, 0, false)), true);
    assert.equal(shouldStartAtBoot(parseRestartPolicy('on-failure:1'), facts(1, 1)), false);
    assert.equal(shouldStartAtBoot(parseRestartPolicy('no'), facts(1)), false);
  });

  it('backs off from 100 ms, doubling to a minute, and resets after a run of 10 s', () => {
    const delays: number[] = [];
    let d = 0;
    for (let i = 0; i < 12; i++) delays.push((d = nextRestartDelay(d, 50)));
    assert.deepEqual(delays.slice(0, 5), [100, 200, 400, 800, 1600]);
    assert.equal(delays.at(-1), BACKOFF.maxMs);
    assert.equal(nextRestartDelay(BACKOFF.maxMs, BACKOFF.resetAfterRunMs), BACKOFF.initialMs);
    assert.equal(nextRestartDelay(400, BACKOFF.resetAfterRunMs - 1), 800);
  });
});
