import assert from 'node:assert/strict';
import {
  CNI_NAME, DEFAULT_BERTHD_STATE_DIR, DEFAULT_BERTH_ROOT, DEFAULT_CNI_DIR, DEFAULT_CNI_PATH, DEFAULT_IPAM_DATA_DIR, DEFAULT_RUN_DIR,
  DOCKER_NAME, berthdSocketPath,
} from '../../../lib/paths';

describe('lib/paths', () => {
  it('the defaults are the documented ones (DESIGN, "Where state lives"; the reference\'s host-local and CNI_PATH)', () => {
    assert.deepEqual(
      [DEFAULT_BERTH_ROOT, DEFAULT_BERTHD_STATE_DIR, DEFAULT_RUN_DIR, DEFAULT_CNI_DIR, DEFAULT_IPAM_DATA_DIR, DEFAULT_CNI_PATH],
      ['/var/lib/berth', '/var/lib/berth/berthd', '/run/berth', '/var/lib/cni', '/var/lib/cni/networks', ['/opt/cni/bin', '/usr/lib/cni']],
    );
    assert.equal(berthdSocketPath('/run/berth/'), '/run/berth/berthd.sock');
  });
  it('CNI_NAME is libcni\'s rule, spelt as the messages print it: one character or more, no /, NUL or leading dot', () => {
    assert.equal(CNI_NAME.source, '^[a-zA-Z0-9][a-zA-Z0-9_.-]*$');
    for (const ok of ['a', 'net1', 'my_net.v2-x', '0']) assert.ok(CNI_NAME.test(ok), ok);
    for (const bad of ['', '.hidden', '-x', '_x', 'a/b', 'a\0b', 'a b', '..']) assert.ok(!CNI_NAME.test(bad), JSON.stringify(bad));
  });
  it('DOCKER_NAME is Docker\'s container and volume rule: the same characters, two or more', () => {
    assert.equal(DOCKER_NAME.source, '^[a-zA-Z0-9][a-zA-Z0-9_.-]+$');
    assert.ok(DOCKER_NAME.test('ab'));
    assert.ok(!DOCKER_NAME.test('a'));
    assert.ok(!DOCKER_NAME.test('a/b'));
  });
});
