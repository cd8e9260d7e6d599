// Skips that cannot hide: every skip goes through test/helpers/skip.ts, which prints why and, under
// BERTH_NO_SKIP=1 (CI), fails a skip that a complete set-up would not need.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NO_SKIP_ENV, skipUnless, skipUnlessHost, type SkipContext } from '../../helpers/skip';

const TEST_ROOT = path.resolve(__dirname, '../..');

/** A mocha context stand-in: skip() throws like mocha's Pending, and is counted. */
function fakeContext(): SkipContext & { skipped: number } {
  const ctx = {
    skipped: 0,
    currentTest: { fullTitle: () => 'suite a test' },
    skip(): never {
      ctx.skipped += 1;
      throw new Error('pending');
    },
  };
  return ctx;
}

/** Captures what `fn` writes to stderr. */
function stderrOf(fn: () => void): string {
  const write = process.stderr.write;
  let out = '';
  process.stderr.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stderr.write;
  try {
    fn();
  } catch {
    // the fake skip's throw
  } finally {
    process.stderr.write = write;
  }
  return out;
}

describe('test/helpers/skip', () => {
  it('skipUnless: nothing when the condition holds', () => {
    const ctx = fakeContext();
    skipUnless(ctx, true, 'never shown', {});
    assert.equal(ctx.skipped, 0);
  });
  it('skipUnless: skips and prints the test and the reason', () => {
    const ctx = fakeContext();
    assert.equal(stderrOf(() => skipUnless(ctx, false, 'no /usr/bin/etcd', {})), 'skipped: suite a test: no /usr/bin/etcd\n');
    assert.equal(ctx.skipped, 1);
  });
  it(`skipUnless: under ${NO_SKIP_ENV}=1 fails with the reason instead of skipping`, () => {
    const ctx = fakeContext();
    assert.throws(() => skipUnless(ctx, false, 'no /usr/bin/etcd', { [NO_SKIP_ENV]: '1' }),
      { message: `set-up incomplete (${NO_SKIP_ENV}=1 forbids skipping): no /usr/bin/etcd` });
    assert.equal(ctx.skipped, 0);
  });
  it(`skipUnlessHost: a fact of the machine is a printed skip, even under ${NO_SKIP_ENV}=1`, () => {
    const ctx = fakeContext();
    const saved = process.env[NO_SKIP_ENV];
    process.env[NO_SKIP_ENV] = '1';
    try {
      assert.equal(stderrOf(() => skipUnlessHost(ctx, false, 'no VLAN filtering')), 'skipped: suite a test: no VLAN filtering\n');
    } finally {
      if (saved === undefined) delete process.env[NO_SKIP_ENV];
      else process.env[NO_SKIP_ENV] = saved;
    }
    assert.equal(ctx.skipped, 1);
  });

  it('no test skips by itself: this.skip(), it.skip, describe.skip and xit appear only in the helper', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts') && p !== path.join(TEST_ROOT, 'helpers/skip.ts') && p !== __filename) {
          fs.readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
            if (/\bthis\.skip\(|\b(it|describe|context|specify)\.skip\(|\bx(it|describe)\(/.test(line)) offenders.push(`${path.relative(TEST_ROOT, p)}:${i + 1}: ${line.trim()}`);
          });
        }
      }
    };
    walk(TEST_ROOT);
    assert.deepEqual(offenders, []);
  });
});
