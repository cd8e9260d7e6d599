import assert from 'node:assert/strict';
import { FirewallError, isNoSuchObject, runFirewall } from '../../../../lib/firewall/run';
import { isRetryable } from '../../../../lib/util/retryable';
import { toCniError } from '../../../../lib/cni/to-cni-error';

/** Catches what `fn` throws (assert.throws returns nothing to inspect). */
function thrown(fn: () => unknown): FirewallError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FirewallError, String(err));
    return err;
  }
  assert.fail('expected a FirewallError');
}

describe('lib/firewall/run', () => {
  it('returns stdout and feeds stdin', () => {
    assert.equal(runFirewall('sh', ['-c', 'tr a-z A-Z'], '*nat\ncommit\n'), '*NAT\nCOMMIT\n');
  });

  it('names the command, exit status and stderr of a failure; not retryable by default', () => {
    const err = thrown(() => runFirewall('sh', ['-c', 'echo "iptables-restore: line 2 failed" >&2; exit 1'], ''));
    assert.equal(err.message, 'sh -c echo "iptables-restore: line 2 failed" >&2; exit 1: exit status 1: iptables-restore: line 2 failed');
    assert.equal(err.exitCode, 1);
    assert.equal(isRetryable(err), false);
    assert.equal(toCniError(err).code, 999);
  });

  it('marks xtables lock contention retryable (CNI code 11)', () => {
    const msg = 'Another app is currently holding the xtables lock. Stopped waiting after 5s.';
    const err = thrown(() => runFirewall('sh', ['-c', `echo "${msg}" >&2; exit 4`], ''));
    assert.equal(isRetryable(err), true);
    const cni = toCniError(err);
    assert.equal(cni.code, 11);
    assert.ok(cni.message.includes('xtables lock'));
    assert.ok(!cni.message.includes('    at '), 'no stack trace in the reply');
  });

  it('reports a missing program as notFound, and nft ENOENT as "no such object"', () => {
    const err = thrown(() => runFirewall('berth-no-such-firewall-tool', ['-L'], ''));
    assert.equal(err.notFound, true);
    assert.equal(err.message, 'berth-no-such-firewall-tool -L: not found');
    const enoent = thrown(() => runFirewall('sh', ['-c', 'echo "Error: No such file or directory" >&2; exit 1'], ''));
    assert.equal(isNoSuchObject(enoent), true);
    assert.equal(isNoSuchObject(err), false);
  });

  it('reports the exit status of a program that quits without reading its input (EPIPE)', () => {
    const err = thrown(() => runFirewall('sh', ['-c', 'echo "line 1 failed" >&2; exit 2'], 'x'.repeat(1 << 20)));
    assert.equal(err.exitCode, 2);
    assert.equal(err.stderr, 'line 1 failed\n');
  });

  it('shortens long arguments in the message', () => {
    const err = thrown(() => runFirewall('sh', ['-c', 'exit 3', 'x'.repeat(500)], ''));
    assert.ok(err.message.length < 120, err.message);
    assert.equal(err.exitCode, 3);
  });
});
