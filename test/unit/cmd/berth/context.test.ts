import assert from 'node:assert/strict';
import { ContextError, createCliContext } from '../../../../cmd/berth/context';

describe('cmd/berth/context', () => {
  it('defaults every path; the plugin path starts with berth\'s own directory', () => {
    const ctx = createCliContext({ env: {}, cwd: '/', executableDir: '/opt/berth/dist/bin' });
    assert.equal(ctx.root, '/var/lib/berth');
    assert.equal(ctx.run, '/run/berth');
    assert.equal(ctx.cniDir, '/var/lib/cni');
    assert.equal(ctx.cgroupParent, 'berth');
    assert.deepEqual(ctx.cniPath, ['/opt/berth/dist/bin', '/opt/cni/bin', '/usr/lib/cni']);
  });

  it('takes the environment, normalizing paths and skipping empty list entries', () => {
    const ctx = createCliContext({
      env: { BERTH_ROOT: '/tmp/b/', BERTH_RUN: '/tmp/r', BERTH_CNI_DIR: '/tmp/c', BERTH_CGROUP_PARENT: 'a/b/', BERTH_CNI_PATH: '/x::/y' },
      cwd: '/',
    });
    assert.deepEqual([ctx.root, ctx.run, ctx.cniDir, ctx.cgroupParent, ctx.cniPath], ['/tmp/b/', '/tmp/r', '/tmp/c', 'a/b', ['/x', '/y']]);
    assert.equal(createCliContext({ env: { BERTH_ROOT: '' }, cwd: '/' }).root, '/var/lib/berth');
  });

  const refused: [string, string, RegExp][] = [
    ['BERTH_ROOT', 'relative/dir', /^invalid BERTH_ROOT: "relative\/dir" is not an absolute path$/],
    ['BERTH_RUN', '/run/\0x', /^invalid BERTH_RUN: contains a NUL byte$/],
    ['BERTH_CNI_DIR', 'cni', /^invalid BERTH_CNI_DIR: /],
    ['BERTH_CNI_PATH', '/ok:rel', /^invalid BERTH_CNI_PATH: "rel" is not an absolute path$/],
    ['BERTH_CGROUP_PARENT', '/abs', /^invalid BERTH_CGROUP_PARENT: "\/abs" must be a relative cgroup path/],
    ['BERTH_CGROUP_PARENT', 'a/../../b', /^invalid BERTH_CGROUP_PARENT: .* must not contain "\." or "\.\." components$/],
    ['BERTH_CGROUP_PARENT', '..', /must not contain/],
  ];
  for (const [variable, value, message] of refused) {
    it(`refuses ${variable}=${JSON.stringify(value)}, naming the variable`, () => {
      assert.throws(() => createCliContext({ env: { [variable]: value }, cwd: '/' }), (err: unknown) => {
        assert.ok(err instanceof ContextError);
        assert.equal(err.variable, variable);
        assert.match(err.message, message);
        assert.equal(err.exitCode, 125);
        return true;
      });
    });
  }
});
