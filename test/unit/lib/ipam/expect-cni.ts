import assert from 'node:assert/strict';
import { isCniError } from '../../../../lib/cni/errors';

/** Asserts that `fn` throws a CniError with exactly this code and message. */
export function expectCni(fn: () => unknown, code: number, msg: string | RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  checkCni(thrown, code, msg);
}

/** The same for a promise. */
export async function expectCniAsync(p: Promise<unknown>, code: number, msg: string | RegExp): Promise<void> {
  let thrown: unknown;
  try {
    await p;
  } catch (err) {
    thrown = err;
  }
  checkCni(thrown, code, msg);
}

function checkCni(thrown: unknown, code: number, msg: string | RegExp): void {
  assert.ok(thrown !== undefined, 'expected a CniError, nothing was thrown');
  assert.ok(isCniError(thrown), `expected a CniError, got ${String(thrown)}`);
  assert.deepEqual({ code: thrown.code, msg: thrown.message }, { code, msg: typeof msg === 'string' ? msg : thrown.message });
  if (msg instanceof RegExp) assert.match(thrown.message, msg);
}
