import assert from 'node:assert/strict';
import { CniError } from '../../../../lib/cni/errors';
import { isRetryable, kRetryable, markRetryable } from '../../../../lib/util/retryable';
import { ERROR_RULE_NAMES, toCniError } from '../../../../lib/cni/to-cni-error';

function shape(err: CniError): [number, string, string | undefined] {
  return [err.code, err.message, err.details];
}

describe('lib/cni/to-cni-error', () => {
  it('tries its rows in a fixed order', () => {
    assert.deepEqual(ERROR_RULE_NAMES, ['CniError', 'retryable', 'wrapped CniError', 'SyntaxError', 'AggregateError', 'system error', 'anything else']);
  });

  it('returns a CniError itself', () => {
    const e = new CniError(3, 'gone');
    assert.equal(toCniError(e), e);
  });

  it('recognises the retry marker by registered symbol, so lib code needs no import of lib/cni', () => {
    const e = new Error('lock held');
    (e as unknown as Record<symbol, boolean>)[Symbol.for('berth.retryable')] = true;
    assert.equal(isRetryable(e), true);
    assert.equal(kRetryable, Symbol.for('berth.retryable'));
    assert.deepEqual(shape(toCniError(e)), [11, 'lock held', undefined]);
    assert.equal(isRetryable(new Error('x')), false);
    assert.equal(isRetryable(Object.assign(new Error('x'), { code: 'EAGAIN' })), false, 'EAGAIN counts only on a system error');
  });

  it('keeps the code of a CniError wrapped in context', () => {
    const e = new Error('ipam add', { cause: new CniError(107, 'no free address', { details: 'range 10.0.0.0/30' }) });
    assert.deepEqual(shape(toCniError(e)), [107, 'ipam add', 'no free address']);
  });

  it('gives an AggregateError the code its errors share, else 999', () => {
    const same = new AggregateError([new CniError(11, 'a'), markRetryable(new Error('b'))], 'DEL failed');
    assert.deepEqual(shape(toCniError(same)), [11, 'DEL failed', 'a; b']);
    const mixed = new AggregateError([new CniError(7, 'bad', { details: 'why' }), new Error('boom')], '');
    assert.deepEqual(shape(toCniError(mixed)), [999, '2 errors', 'bad: why; boom']);
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.deepEqual(shape(toCniError(a)), [999, 'a', 'b']);
  });

  it('renders thrown non-errors', () => {
    assert.deepEqual(shape(toCniError({ reason: 'x' })), [999, '{"reason":"x"}', undefined]);
    assert.deepEqual(shape(toCniError(undefined)), [999, 'undefined', undefined]);
    assert.deepEqual(shape(toCniError(new Error(''))), [999, 'Error', undefined]);
  });

  it('keeps the original error as the cause for the stderr log', () => {
    const e = new Error('x');
    assert.equal(toCniError(e).cause, e);
  });
});
