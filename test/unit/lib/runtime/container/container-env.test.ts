import assert from 'node:assert/strict';
import { containerEnv, mergeEnv } from '../../../../../lib/runtime/container/create';

describe('lib/runtime/container/create env', () => {
  it('merges by key, later lists winning, first position kept', () => {
    assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['A=3', 'C=4']), ['A=3', 'B=2', 'C=4']);
  });
  it("builds Docker's environment: PATH, HOSTNAME, image, user, HOME", () => {
    assert.deepEqual(containerEnv(['LANG=C'], 'abc', ['X=1']), [
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=abc', 'LANG=C', 'X=1', 'HOME=/root',
    ]);
  });
  it('lets the image and the user replace PATH and HOME', () => {
    const env = containerEnv(['PATH=/bin'], 'h', ['HOME=/home/u']);
    assert.deepEqual(env, ['PATH=/bin', 'HOSTNAME=h', 'HOME=/home/u']);
  });
});
